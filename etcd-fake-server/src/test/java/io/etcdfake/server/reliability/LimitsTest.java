package io.etcdfake.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcdfake.server.EtcdFakeServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** etcd's configurable limits, taken from the builder, and a close that lets calls in flight finish. */
class LimitsTest {

  private static ManagedChannel channel(EtcdFakeServer server) {
    return ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
        .maxInboundMessageSize(64 * 1024 * 1024).build();
  }

  private static PutRequest put(String key, int valueBytes) {
    return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFrom(new byte[valueBytes])).build();
  }

  @Test
  void txnOpsAndRequestBytesComeFromTheBuilder() throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().maxTxnOps(3).maxRequestBytes(1000).build().start()) {
      ManagedChannel ch = channel(server);
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
        TxnRequest.Builder txn = TxnRequest.newBuilder();
        for (int i = 0; i < 3; i++) {
          txn.addSuccess(RequestOp.newBuilder().setRequestPut(put("k" + i, 1)));
        }
        assertThat(kv.txn(txn.build()).getSucceeded()).isTrue();
        txn.addSuccess(RequestOp.newBuilder().setRequestPut(put("k3", 1)));
        assertThatThrownBy(() -> kv.txn(txn.build())).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: too many operations in txn request");
        });
        kv.put(put("small", 900));
        assertThatThrownBy(() -> kv.put(put("big", 1000))).hasMessage("INVALID_ARGUMENT: etcdserver: request is too large");
        // gRPC's own limit stays 512 KiB above the request limit, as in etcd
        int grpcMax = 1000 + 512 * 1024;
        assertThatThrownBy(() -> kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[grpcMax])).build()))
            .hasMessageStartingWith("RESOURCE_EXHAUSTED: grpc: received message larger than max (")
            .hasMessageEndingWith(" vs. " + grpcMax + ")");
        assertThat(kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("small")).build()).getCount()).isEqualTo(1);
      } finally {
        ch.shutdownNow();
      }
    }
  }

  /**
   * How deep a txn may nest follows the op budget, as in etcd (each level spends an op): with 300 ops
   * a txn nested 299 deep runs, and every deeper one, up to gRPC's limit, is refused as too many
   * operations with the keyspace unchanged. With a budget past the fake's parse cap (400 levels) a
   * deeper txn is refused too, where etcd would run it: a documented difference.
   */
  @Test
  void txnNestingFollowsTheOpBudget() throws Exception {
    for (int maxTxnOps : new int[] {300, 1000}) {
      try (EtcdFakeServer server = EtcdFakeServer.builder().maxTxnOps(maxTxnOps).build().start()) {
        ManagedChannel ch = channel(server);
        try {
          MethodDescriptor<byte[], byte[]> txn = HostileRequests.asBytes(KVGrpc.getTxnMethod(), HostileRequests.BYTES);
          KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
          int runs = Math.min(maxTxnOps, 400);
          ClientCalls.blockingUnaryCall(ch, txn, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
              HostileRequests.nestedTxn(runs - 1, "ran"));
          long revision = kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("deep")).build())
              .getHeader().getRevision();
          for (int depth : new int[] {runs, 401, 5_000, 250_000}) {
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, txn,
                CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), HostileRequests.nestedTxn(depth, "no")))
                .as("%d nested with %d ops", depth, maxTxnOps)
                .hasMessage("INVALID_ARGUMENT: etcdserver: too many operations in txn request");
          }
          RangeResponse deep = kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("deep")).build());
          assertThat(deep.getKvs(0).getValue().toStringUtf8()).isEqualTo("ran");
          assertThat(deep.getHeader().getRevision()).isEqualTo(revision);
        } finally {
          ch.shutdownNow();
        }
      }
    }
  }

  @Test
  void defaultsAreEtcds() {
    assertThat(EtcdFakeServer.DEFAULT_MAX_CONCURRENT_STREAMS).isEqualTo(4294967295L);
    assertThatThrownBy(() -> EtcdFakeServer.builder().maxConcurrentStreams(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EtcdFakeServer.builder().closeGracePeriod(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** With two streams allowed per connection, a third call is held back while they are open. */
  @Test
  void maxConcurrentStreamsHoldsBackCallsBeyondIt() throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().maxConcurrentStreams(2).build().start()) {
      ManagedChannel ch = channel(server);
      try {
        List<StreamObserver<WatchRequest>> watches = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          CountDownLatch created = new CountDownLatch(1);
          StreamObserver<WatchRequest> requests = WatchGrpc.newStub(ch).watch(new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse r) {
              if (r.getCreated()) {
                created.countDown();
              }
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });
          requests.onNext(WatchRequest.newBuilder()
              .setCreateRequest(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("w" + i))).build());
          assertThat(created.await(30, TimeUnit.SECONDS)).isTrue();
          watches.add(requests);
        }
        ListenableFuture<RangeResponse> third = KVGrpc.newFutureStub(ch)
            .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build());
        // another connection is served meanwhile: the limit is per connection
        ManagedChannel other = channel(server);
        try {
          KVGrpc.newBlockingStub(other).withDeadlineAfter(30, TimeUnit.SECONDS).put(put("other", 1));
        } finally {
          other.shutdownNow();
        }
        assertThat(third.isDone()).as("a third stream on a connection allowed two").isFalse();
        third.cancel(true);
      } finally {
        ch.shutdownNow();
      }
    }
  }

  /**
   * Puts held up inside the store (its writer lock taken by the test) when close() begins: close
   * refuses new connections at once, and once the store is free the held puts complete with OK.
   */
  @Test
  void closeLetsCallsInFlightFinish() throws Exception {
    EtcdFakeServer server = EtcdFakeServer.builder().closeGracePeriod(Duration.ofSeconds(30)).build().start();
    int port = server.port();
    ManagedChannel ch = channel(server);
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch holding = new CountDownLatch(1);
      Future<?> holder = pool.submit(() -> server.store().atomically(() -> {
        holding.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return null;
      }));
      assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
      int inFlight = 4;
      List<ListenableFuture<PutResponse>> puts = new ArrayList<>();
      for (int i = 0; i < inFlight; i++) {
        puts.add(KVGrpc.newFutureStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS).put(put("in-flight/" + i, 10)));
      }
      awaitThreadsBlockedInTheStore(inFlight);
      Future<?> closing = pool.submit(server::close);
      awaitRefused(port);
      assertThat(closing.isDone()).as("close() waits for the calls in flight").isFalse();
      release.countDown();
      holder.get(30, TimeUnit.SECONDS);
      for (ListenableFuture<PutResponse> p : puts) {
        assertThat(p.get(30, TimeUnit.SECONDS).getHeader().getRevision()).isBetween(2L, 1L + inFlight);
      }
      closing.get(30, TimeUnit.SECONDS);
      assertThat(server.store().currentRevision()).isEqualTo(1 + inFlight);
    } finally {
      ch.shutdownNow();
      pool.shutdownNow();
      server.close();
    }
  }

  private static void awaitThreadsBlockedInTheStore(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      int blocked = 0;
      for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
        boolean inStore = false;
        for (StackTraceElement f : t.getValue()) {
          inStore |= f.getClassName().endsWith("MvccStore") && f.getMethodName().equals("write");
        }
        if (inStore && t.getKey().getState() == Thread.State.WAITING) {
          blocked++;
        }
      }
      if (blocked >= n) {
        return;
      }
      assertThat(System.nanoTime()).as("%d of %d puts reached the store", blocked, n).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  /** Waits until a new connection to the port is refused: the server has begun to stop. */
  private static void awaitRefused(int port) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        assertThat(System.nanoTime()).as("port %d still accepts connections", port).isLessThan(deadline);
        Thread.sleep(10);
      } catch (java.io.IOException refused) {
        return;
      }
    }
  }
}
