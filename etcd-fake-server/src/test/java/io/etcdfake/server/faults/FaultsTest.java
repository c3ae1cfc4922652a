package io.etcdfake.server.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcdfake.server.EtcdFakeServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Injected faults, seen by jetcd and a plain gRPC client as a flaky etcd would look to them. */
class FaultsTest {
  private EtcdFakeServer server;
  private Client client;
  private KV kv;

  @BeforeEach
  void start() throws Exception {
    server = EtcdFakeServer.builder().build().start();
    client = Client.builder().endpoints(server.clientEndpoints()).build();
    kv = client.getKVClient();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static Status statusOf(CompletableFuture<?> f) {
    try {
      f.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return Status.fromThrowable(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void failNextFailsExactlyThatManyCallsWithTheStatusAndWritesNothing() throws Exception {
    server.faults().failNext("KV/Put", 2, Status.UNAVAILABLE.withDescription("etcdserver: leader changed"));

    Status first = statusOf(kv.put(bs("k"), bs("1")));
    assertThat(first.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(first.getDescription()).isEqualTo("etcdserver: leader changed");
    assertThat(statusOf(kv.put(bs("k"), bs("2"))).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    // other RPCs were never armed
    assertThat(kv.get(bs("k")).get(30, TimeUnit.SECONDS).getKvs()).isEmpty();
    assertThat(server.store().currentRevision()).isEqualTo(1);

    long rev = kv.put(bs("k"), bs("3")).get(30, TimeUnit.SECONDS).getHeader().getRevision();
    assertThat(rev).isEqualTo(2);
  }

  @Test
  void aServiceNameArmsEveryMethodOfIt() throws Exception {
    server.faults().failNext("etcdserverpb.KV", 1, Status.RESOURCE_EXHAUSTED);
    assertThat(statusOf(kv.delete(bs("k"))).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(kv.delete(bs("k")).get(30, TimeUnit.SECONDS).getDeleted()).isZero();
  }

  @Test
  void aMethodDescriptorNamesTheRpcAndFailuresQueueInOrder() {
    server.faults()
        .failNext(KVGrpc.getPutMethod(), 1, Status.UNAVAILABLE)
        .failNext(KVGrpc.getPutMethod(), 1, Status.DEADLINE_EXCEEDED);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      KVGrpc.KVBlockingStub stub = KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      PutRequest put = PutRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("k")).build();
      assertThatThrownBy(() -> stub.put(put))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThatThrownBy(() -> stub.put(put))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      assertThat(stub.put(put).getHeader().getRevision()).isEqualTo(2);
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void unknownRpcNamesAndBadArgumentsAreRefused() {
    assertThatThrownBy(() -> server.faults().failNext("KV/Putt", 1, Status.UNAVAILABLE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no etcd RPC is named 'KV/Putt'")
        .hasMessageContaining("etcdserverpb.KV/Put");
    assertThatThrownBy(() -> server.faults().failNext("KV/Put", 0, Status.UNAVAILABLE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> server.faults().failNext("KV/Put", 1, Status.OK))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> server.faults().delay("KV/Put", Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void latencyHoldsCallsUntilItPassesOrIsCleared() throws Exception {
    server.faults().delay("KV/Put", Duration.ofMinutes(5));
    CompletableFuture<?> put = kv.put(bs("slow"), bs("v"));
    // far below the latency: the call must still be waiting
    assertThatThrownBy(() -> put.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    // reads are not delayed
    assertThat(kv.get(bs("slow")).get(30, TimeUnit.SECONDS).getKvs()).isEmpty();

    server.faults().clear();
    put.get(30, TimeUnit.SECONDS);
    assertThat(kv.get(bs("slow")).get(30, TimeUnit.SECONDS).getKvs()).hasSize(1);
  }

  @Test
  void delayAllHoldsEveryRpc() throws Exception {
    server.faults().delayAll(Duration.ofMinutes(5));
    CompletableFuture<?> get = kv.get(bs("k"));
    assertThatThrownBy(() -> get.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    server.faults().clear();
    get.get(30, TimeUnit.SECONDS);
  }

  @Test
  void dropStreamsCutsOpenStreamsWithUnavailable() throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      CountDownLatch first = new CountDownLatch(1);
      CompletableFuture<Throwable> ended = new CompletableFuture<>();
      HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
        @Override
        public void onNext(HealthCheckResponse value) {
          first.countDown();
        }

        @Override
        public void onError(Throwable t) {
          ended.complete(t);
        }

        @Override
        public void onCompleted() {
          ended.complete(null);
        }
      });
      assertThat(first.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(server.faults().openStreams()).isEqualTo(1);

      assertThat(server.faults().dropStreams()).isEqualTo(1);

      Status status = Status.fromThrowable(ended.get(30, TimeUnit.SECONDS));
      assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(status.getDescription()).contains("dropped");
      assertThat(server.faults().openStreams()).isZero();
      assertThat(server.faults().dropStreams()).isZero();
      // unary calls were never touched
      assertThat(kv.put(bs("k"), bs("v")).get(30, TimeUnit.SECONDS).getHeader().getRevision()).isEqualTo(2);
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void faultsOutliveARestart() throws Exception {
    server.faults().failNext("KV/Range", 1, Status.UNAVAILABLE);
    server.restart(true);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      KVGrpc.KVBlockingStub stub = KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      var range = io.etcd.jetcd.api.RangeRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("k")).build();
      assertThatThrownBy(() -> stub.range(range)).isInstanceOf(StatusRuntimeException.class);
      assertThat(stub.range(range).getCount()).isZero();
    } finally {
      channel.shutdownNow();
    }
  }
}
