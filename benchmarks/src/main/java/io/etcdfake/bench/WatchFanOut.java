package io.etcdfake.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The watch fan-out workload: W watchers on one prefix, spread over C client connections with one
 * Watch stream each (several watch ids per stream, as etcd's Go client multiplexes the watchers of
 * one client), and one writer putting E events at a fixed rate (an open loop, so that latency is
 * delivery, not a queue the driver builds). Each event's value starts with its send time, so latency
 * is put sent → event received by each watcher, recorded per stream into its own HdrHistogram.
 *
 * <p>The watchers speak etcd's gRPC Watch API through the stubs jetcd ships rather than jetcd's
 * Watch client: jetcd opens one gRPC stream per watcher and hands every response through its own
 * conversions and executor, which for 10,000,000 deliveries in the driver's JVM measures jetcd, on
 * the same 2 cores as the servers, more than the servers. What a target does is the same either way:
 * it matches, encodes and sends every event to every watcher.
 */
final class WatchFanOut {
  private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(2);
  /** puts in flight at most; a target that takes longer per put than the rate allows slows the writer */
  private static final int MAX_PUTS_IN_FLIGHT = 64;
  private static final long TIMEOUT_S = 30;
  /** how long deliveries may trail the last put before the missing ones are counted as such */
  private static final long DRAIN_S = 15;

  private final int connections;
  private final int watchers;
  private final int events;
  private final int eventsPerSecond;
  private final int valueBytes;

  WatchFanOut(int connections, int watchers, int events, int eventsPerSecond, int valueBytes) {
    this.connections = connections;
    this.watchers = watchers;
    this.events = events;
    this.eventsPerSecond = eventsPerSecond;
    this.valueBytes = valueBytes;
  }

  /** One connection's Watch stream and the watchers on it; its callbacks run one at a time. */
  private static final class Stream implements StreamObserver<Delivery> {
    final Histogram latencies = new Histogram(MAX_MICROS, 3);
    final Set<Long> ready = new HashSet<>();
    final CountDownLatch created;
    final CountDownLatch allReady;
    final LongAdder delivered;
    final AtomicReference<Throwable> failure;
    StreamObserver<WatchRequest> requests;

    Stream(CountDownLatch created, CountDownLatch allReady, LongAdder delivered, AtomicReference<Throwable> failure) {
      this.created = created;
      this.allReady = allReady;
      this.delivered = delivered;
      this.failure = failure;
    }

    @Override
    public void onNext(Delivery r) {
      long now = System.nanoTime();
      if (r.created()) {
        created.countDown();
        return;
      }
      if (r.canceled()) {
        failure.compareAndSet(null, new IllegalStateException("watch " + r.watchId() + " canceled: " + r.cancelReason()));
        return;
      }
      int n = 0;
      synchronized (this) {
        for (int i = 0; i < r.events(); i++) {
          long sent = r.sentNanos()[i];
          if (sent == 0) {
            // a warm-up event: this watcher is registered
            if (ready.add(r.watchId())) {
              allReady.countDown();
            }
            continue;
          }
          latencies.recordValue(Math.min(MAX_MICROS, Math.max(0, now - sent) / 1000));
          n++;
        }
      }
      delivered.add(n);
    }

    @Override
    public void onError(Throwable t) {
      failure.compareAndSet(null, t);
    }

    @Override
    public void onCompleted() {}
  }

  LoadResult run(String target, String endpoint) throws InterruptedException {
    URI uri = URI.create(endpoint);
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i <= connections; i++) {
      // callbacks on the transport's thread: no hand-off between receiving an event and recording it
      channels.add(ManagedChannelBuilder.forAddress(uri.getHost(), uri.getPort()).usePlaintext().directExecutor()
          .maxInboundMessageSize(64 << 20).build());
    }
    ManagedChannel writerChannel = channels.remove(connections);
    ByteString prefix = ByteString.copyFromUtf8("bench/watch/" + Long.toHexString(System.nanoTime()) + "/");
    CountDownLatch created = new CountDownLatch(watchers);
    CountDownLatch allReady = new CountDownLatch(watchers);
    LongAdder delivered = new LongAdder();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Stream> streams = new ArrayList<>();
    try {
      for (ManagedChannel ch : channels) {
        Stream s = new Stream(created, allReady, delivered, failure);
        s.requests = ClientCalls.asyncBidiStreamingCall(ch.newCall(WATCH, CallOptions.DEFAULT), s);
        streams.add(s);
      }
      WatchRequest create = WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
          .setKey(prefix).setRangeEnd(prefixEnd(prefix))).build();
      for (int i = 0; i < watchers; i++) {
        Stream s = streams.get(i % streams.size());
        synchronized (s) {
          s.requests.onNext(create);
        }
      }
      if (!created.await(TIMEOUT_S, TimeUnit.SECONDS)) {
        throw new IllegalStateException(created.getCount() + " of " + watchers + " watches not created"
            + (failure.get() != null ? ": " + failure.get() : ""));
      }
      KVGrpc.KVBlockingStub blocking = KVGrpc.newBlockingStub(writerChannel);
      ByteString padding = ByteString.copyFrom(new byte[Math.max(0, valueBytes - 8)]);
      // warm-up events (send time 0) until every watcher has seen one
      for (int i = 0; i < 300 && !allReady.await(100, TimeUnit.MILLISECONDS) && failure.get() == null; i++) {
        blocking.put(put(prefix.concat(ByteString.copyFromUtf8("ready")), 0, padding));
      }
      if (failure.get() != null) {
        throw new RuntimeException(failure.get());
      }
      if (allReady.getCount() > 0) {
        throw new IllegalStateException(allReady.getCount() + " watchers never saw an event");
      }
      for (Stream s : streams) {
        synchronized (s) {
          s.latencies.reset();
        }
      }
      delivered.reset();

      KVGrpc.KVStub async = KVGrpc.newStub(writerChannel);
      Semaphore inFlight = new Semaphore(MAX_PUTS_IN_FLIGHT);
      AtomicLong putErrors = new AtomicLong();
      long interval = 1_000_000_000L / eventsPerSecond;
      long cpu0 = processCpuNanos();
      long start = System.nanoTime();
      // a target that cannot keep up makes the writer late; it stops at 1.5 times the planned time
      long stopWriting = start + interval * events * 3 / 2;
      long next = start;
      int sent = 0;
      while (sent < events && failure.get() == null) {
        long now;
        while ((now = System.nanoTime()) < next) {
          LockSupport.parkNanos(next - now);
        }
        if (now > stopWriting || !inFlight.tryAcquire(stopWriting - now, TimeUnit.NANOSECONDS)) {
          break;
        }
        ByteString key = prefix.concat(ByteString.copyFromUtf8(String.format("%05d", sent % 1000)));
        async.put(put(key, System.nanoTime(), padding), new StreamObserver<>() {
          @Override
          public void onNext(PutResponse value) {}

          @Override
          public void onError(Throwable t) {
            putErrors.incrementAndGet();
            inFlight.release();
          }

          @Override
          public void onCompleted() {
            inFlight.release();
          }
        });
        sent++;
        next += interval;
      }
      double writeSeconds = (System.nanoTime() - start) / 1e9;
      inFlight.acquire(MAX_PUTS_IN_FLIGHT);
      long expected = (long) watchers * (sent - putErrors.get());
      long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_S);
      while (delivered.sum() < expected && failure.get() == null && System.nanoTime() < waitUntil) {
        Thread.sleep(2);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (failure.get() != null) {
        throw new RuntimeException(failure.get());
      }
      Histogram total = new Histogram(MAX_MICROS, 3);
      for (Stream s : streams) {
        synchronized (s) {
          total.add(s.latencies);
        }
      }
      long got = delivered.sum();
      // the driver's own CPU per delivery (with an in-JVM target, the target's too): what the run costs
      System.out.printf("watch on %s: %,d events sent in %.1f s (%,d/s planned), %,d of %,d deliveries, "
              + "%.1f µs CPU of this JVM per delivery%n", target, sent, writeSeconds, eventsPerSecond, got,
          (long) watchers * events, (processCpuNanos() - cpu0) / 1e3 / Math.max(1, got));
      long missing = (long) watchers * events - got;
      return new LoadResult(target, Workload.WATCH, got, seconds, total, Math.max(0, missing), null);
    } finally {
      for (Stream s : streams) {
        synchronized (s) {
          try {
            s.requests.onCompleted();
          } catch (RuntimeException ignored) {
            // already ended
          }
        }
      }
      channels.add(writerChannel);
      channels.forEach(ManagedChannel::shutdownNow);
      for (ManagedChannel ch : channels) {
        ch.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0;
  }

  private static PutRequest put(ByteString key, long sentNanos, ByteString padding) {
    byte[] sent = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, sentNanos).array();
    return PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFrom(sent).concat(padding)).build();
  }

  /**
   * What a watcher needs of a WatchResponse: its watch id, created / canceled, and each event's send
   * time (the first 8 bytes of the value, little-endian).
   */
  record Delivery(long watchId, boolean created, boolean canceled, String cancelReason, long[] sentNanos, int events) {}

  /**
   * Etcd's Watch method with responses read into a {@link Delivery} straight from the wire, skipping
   * every other field: the driver's 10,000,000 decodes then cost little next to what the target spends
   * to send them.
   */
  static final MethodDescriptor<WatchRequest, Delivery> WATCH = WatchGrpc.getWatchMethod().toBuilder(
      WatchGrpc.getWatchMethod().getRequestMarshaller(), new MethodDescriptor.Marshaller<Delivery>() {
        @Override
        public InputStream stream(Delivery value) {
          throw new UnsupportedOperationException("responses are only read");
        }

        @Override
        public Delivery parse(InputStream in) {
          try {
            // the message is whole in memory already; a stream decoder would allocate a 4 KiB buffer each
            return readDelivery(CodedInputStream.newInstance(in.readAllBytes()));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }).build();

  // field numbers of etcd's rpc.proto and kv.proto
  private static final int RESPONSE_WATCH_ID = 2;
  private static final int RESPONSE_CREATED = 3;
  private static final int RESPONSE_CANCELED = 4;
  private static final int RESPONSE_CANCEL_REASON = 6;
  private static final int RESPONSE_EVENTS = 11;
  private static final int EVENT_KV = 2;
  private static final int KV_VALUE = 5;

  static Delivery readDelivery(CodedInputStream in) throws IOException {
    long id = 0;
    boolean created = false;
    boolean canceled = false;
    String reason = "";
    long[] sent = new long[1];
    int n = 0;
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case RESPONSE_WATCH_ID -> id = in.readInt64();
        case RESPONSE_CREATED -> created = in.readBool();
        case RESPONSE_CANCELED -> canceled = in.readBool();
        case RESPONSE_CANCEL_REASON -> reason = in.readString();
        case RESPONSE_EVENTS -> {
          int limit = in.pushLimit(in.readRawVarint32());
          if (n == sent.length) {
            sent = java.util.Arrays.copyOf(sent, n * 2);
          }
          sent[n++] = readSent(in, EVENT_KV);
          in.popLimit(limit);
        }
        default -> in.skipField(tag);
      }
    }
    return new Delivery(id, created, canceled, reason, sent, n);
  }

  /** Within an Event: the kv's value's first 8 bytes; -1 when there is no such value. */
  private static long readSent(CodedInputStream in, int field) throws IOException {
    long sent = -1;
    for (int tag; (tag = in.readTag()) != 0; ) {
      int number = WireFormat.getTagFieldNumber(tag);
      if (field == EVENT_KV && number == EVENT_KV) {
        int limit = in.pushLimit(in.readRawVarint32());
        sent = readSent(in, KV_VALUE);
        in.popLimit(limit);
      } else if (field == KV_VALUE && number == KV_VALUE) {
        int length = in.readRawVarint32();
        if (length < 8) {
          in.skipRawBytes(length);
        } else {
          sent = in.readRawLittleEndian64();
          in.skipRawBytes(length - 8);
        }
      } else {
        in.skipField(tag);
      }
    }
    return sent;
  }

  /** etcd's prefix range end: the prefix with its last byte below 0xff incremented. */
  private static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }
}
