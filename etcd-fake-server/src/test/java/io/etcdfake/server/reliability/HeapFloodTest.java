package io.etcdfake.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcdfake.server.Main;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone server in a JVM of its own with a small heap, flooded at once by clients that
 * never read (watch streams, keep-alive streams), by writers of values near the request limit and
 * by many streams per connection. It must neither run out of memory nor lose data. History grows
 * without bound in etcd too until it is compacted; etcd bounds it with its space quota, and so does
 * this run (--quota-backend-bytes), which is what keeps it within the heap.
 */
class HeapFloodTest {
  static final String HEAP = "-Xmx256m";
  static final long QUOTA = 64L * 1024 * 1024;
  private static final Pattern READY = Pattern.compile("ready to serve client requests on http://127\\.0\\.0\\.1:(\\d+)");
  private static final int CONNECTIONS = 4;
  /** watch streams per connection that never read past their "created" answer */
  private static final int STALLED_WATCHES = 64;
  /** of them, per connection, those watching the big values (the others watch a prefix of small ones) */
  private static final int STALLED_ON_BIG = 8;
  private static final int KEEPALIVE_STREAMS = 16;
  private static final int WRITERS = 8;
  private static final int VALUE_BYTES = 1_400_000; // max-request-bytes is 1.5 MiB
  private static final int MAX_PUTS_PER_WRITER = 200;

  private static ManagedChannel channel(int port) {
    return ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private static ByteString valueOf(String key, int size) {
    byte[] b = new byte[size];
    new Random(key.hashCode()).nextBytes(b);
    return ByteString.copyFrom(b);
  }

  @Test
  void smallHeapSurvivesAFloodAndKeepsItsData(@TempDir Path dir, TestReporter report) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    File err = dir.resolve("stderr").toFile();
    File out = dir.resolve("stdout").toFile();
    Process p = new ProcessBuilder(java, HEAP, "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "--listen-client-urls", "http://127.0.0.1:0", "--quota-backend-bytes", String.valueOf(QUOTA))
        .redirectError(err)
        .start();
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      BufferedReader stdout = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = stdout.readLine();
      assertThat(line).as("first line of stdout").isNotNull();
      Matcher m = READY.matcher(line);
      assertThat(m.find()).as(line).isTrue();
      int port = Integer.parseInt(m.group(1));
      for (int c = 0; c < CONNECTIONS; c++) {
        channels.add(channel(port));
      }

      // watch streams that read their "created" answer and nothing after it
      CountDownLatch created = new CountDownLatch(CONNECTIONS * STALLED_WATCHES);
      List<ClientCall<WatchRequest, WatchResponse>> watches = new ArrayList<>();
      for (ManagedChannel ch : channels) {
        for (int i = 0; i < STALLED_WATCHES; i++) {
          ClientCall<WatchRequest, WatchResponse> call = ch.newCall(WatchGrpc.getWatchMethod(), CallOptions.DEFAULT);
          call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(WatchResponse message) {
              created.countDown();
            }
          }, new Metadata());
          call.request(1);
          String prefix = i < STALLED_ON_BIG ? "big/" : "small/";
          call.sendMessage(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
              .setKey(ByteString.copyFromUtf8(prefix)).setRangeEnd(ByteString.copyFromUtf8(prefix.replace('/', '0')))).build());
          watches.add(call);
        }
      }
      assertThat(created.await(60, TimeUnit.SECONDS)).as("every watch created").isTrue();

      // keep-alive streams that send as long as the transport takes it and never read an answer
      long lease = LeaseGrpc.newBlockingStub(channels.get(0)).withDeadlineAfter(30, TimeUnit.SECONDS)
          .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(600).build()).getID();
      AtomicInteger keepAlivesSent = new AtomicInteger();
      for (int i = 0; i < KEEPALIVE_STREAMS; i++) {
        ClientCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call =
            channels.get(i % CONNECTIONS).newCall(LeaseGrpc.getLeaseKeepAliveMethod(), CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {}, new Metadata());
        for (int n = 0; n < 100_000 && call.isReady(); n++) {
          call.sendMessage(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
          keepAlivesSent.incrementAndGet();
        }
      }

      // writers: big values as fast as they go, until the quota refuses them; small values meanwhile
      Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
      AtomicInteger noSpace = new AtomicInteger();
      List<Status.Code> otherFailures = Collections.synchronizedList(new ArrayList<>());
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        Thread t = new Thread(() -> {
          KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channels.get(writer % CONNECTIONS));
          for (int i = 0; i < MAX_PUTS_PER_WRITER; i++) {
            boolean big = i % 2 == 0;
            String key = (big ? "big/" : "small/") + writer + "-" + i;
            int size = big ? VALUE_BYTES : 100;
            try {
              kv.withDeadlineAfter(60, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                  .setKey(ByteString.copyFromUtf8(key)).setValue(valueOf(key, size)).build());
              acknowledged.put(key, size);
            } catch (StatusRuntimeException e) {
              if ("etcdserver: mvcc: database space exceeded".equals(e.getStatus().getDescription())) {
                if (noSpace.incrementAndGet() > 4 * WRITERS) {
                  return; // well past the quota: refused, as etcd refuses
                }
              } else {
                otherFailures.add(e.getStatus().getCode());
              }
            }
          }
        }, "flood-writer-" + w);
        t.start();
        writers.add(t);
      }
      for (Thread t : writers) {
        t.join(TimeUnit.MINUTES.toMillis(3));
        assertThat(t.isAlive()).as("writer finished").isFalse();
      }

      assertThat(p.isAlive()).as("server alive after the flood").isTrue();
      assertThat(otherFailures).as("failures other than NOSPACE").isEmpty();
      assertThat(noSpace.get()).as("the quota was reached").isPositive();

      // every acknowledged write is there, byte for byte, through a fresh connection
      ManagedChannel check = channel(port);
      channels.add(check);
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(check);
      for (Map.Entry<String, Integer> e : acknowledged.entrySet()) {
        RangeResponse r = kv.withDeadlineAfter(30, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(e.getKey())).build());
        assertThat(r.getKvsCount()).as(e.getKey()).isEqualTo(1);
        assertThat(r.getKvs(0).getValue()).as(e.getKey()).isEqualTo(valueOf(e.getKey(), e.getValue()));
      }

      // and it recovers as etcd does: delete, compact, defragment, disarm; then a put and a get work
      long rev = kv.withDeadlineAfter(30, TimeUnit.SECONDS).deleteRange(DeleteRangeRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8("big/")).setRangeEnd(ByteString.copyFromUtf8("big0")).build()).getHeader().getRevision();
      kv.withDeadlineAfter(30, TimeUnit.SECONDS).compact(CompactionRequest.newBuilder().setRevision(rev).build());
      MaintenanceGrpc.MaintenanceBlockingStub maintenance = MaintenanceGrpc.newBlockingStub(check).withDeadlineAfter(30, TimeUnit.SECONDS);
      maintenance.defragment(DefragmentRequest.getDefaultInstance());
      // etcdctl alarm disarm: each raised alarm deactivated with its member
      for (AlarmMember raised : maintenance.alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build())
          .getAlarmsList()) {
        maintenance.alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE)
            .setMemberID(raised.getMemberID()).setAlarm(raised.getAlarm()).build());
      }
      kv.withDeadlineAfter(30, TimeUnit.SECONDS).put(PutRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8("after")).setValue(ByteString.copyFromUtf8("flood")).build());
      assertThat(kv.withDeadlineAfter(30, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8("after")).build()).getKvs(0).getValue().toStringUtf8()).isEqualTo("flood");

      assertThat(p.isAlive()).as("server alive at the end").isTrue();
      for (ClientCall<WatchRequest, WatchResponse> w : watches) {
        w.cancel("done", null);
      }
      p.destroy();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String stderr = Files.readString(err.toPath());
      assertThat(stderr).doesNotContain("OutOfMemoryError");
      long bigPuts = acknowledged.values().stream().filter(s -> s == VALUE_BYTES).count();
      report.publishEntry("flood", HEAP + ", quota " + QUOTA + ": " + CONNECTIONS * STALLED_WATCHES
          + " stalled watch streams (" + CONNECTIONS * STALLED_ON_BIG + " on the big values), " + KEEPALIVE_STREAMS
          + " keep-alive streams (" + keepAlivesSent.get() + " requests sent unread), " + WRITERS + " writers: "
          + bigPuts + " puts of " + VALUE_BYTES + " bytes and " + (acknowledged.size() - bigPuts)
          + " small ones acknowledged and intact, " + noSpace.get() + " refused with NOSPACE");
    } finally {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
      }
      p.destroyForcibly();
    }
  }
}
