package io.etcdfake.server.lock;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.lock.LockResponse;
import io.etcdfake.server.EtcdFakeServer;
import io.etcdfake.server.mvcc.KeyValue;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** etcd's Lock service through jetcd's Lock client: exclusion, FIFO hand-over, leases, cancellation. */
class LockClientTest {
  private static final int WAIT = FakeWithClient.WAIT;

  private FakeWithClient fake;
  private EtcdFakeServer server;
  private Client client;

  private void start(EtcdFakeServer.Builder b) throws Exception {
    fake = new FakeWithClient(b);
    server = fake.server;
    client = fake.client;
  }

  @AfterEach
  void stop() {
    if (fake != null) {
      fake.close();
    }
  }

  private Lock locks() {
    return client.getLockClient();
  }

  @Test
  void twentyThreadsIncrementingUnderTheLockLoseNoUpdate() throws Exception {
    start(EtcdFakeServer.builder());
    int threads = 20;
    int rounds = 5;
    AtomicInteger inside = new AtomicInteger();
    int[] counter = {0};
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long lease = fake.lease(60);
        done.add(pool.submit(() -> {
          for (int i = 0; i < rounds; i++) {
            LockResponse held = locks().lock(FakeWithClient.bs("counter"), lease).get(WAIT, TimeUnit.SECONDS);
            assertThat(inside.incrementAndGet()).as("holders at once").isEqualTo(1);
            int read = counter[0];
            Thread.yield();
            counter[0] = read + 1;
            inside.decrementAndGet();
            locks().unlock(held.getKey()).get(WAIT, TimeUnit.SECONDS);
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(WAIT * 2, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(counter[0]).isEqualTo(threads * rounds);
    assertThat(fake.keysUnder("counter/")).isEmpty();
  }

  @Test
  void theLockPassesInTheOrderItWasAskedFor() throws Exception {
    start(EtcdFakeServer.builder());
    LockResponse first = locks().lock(FakeWithClient.bs("fifo"), fake.lease(60)).get(WAIT, TimeUnit.SECONDS);
    List<CompletableFuture<LockResponse>> waiting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiting.add(locks().lock(FakeWithClient.bs("fifo"), fake.lease(60)));
      fake.awaitKeys("fifo/", i + 2);
    }
    ByteSequence held = first.getKey();
    for (int i = 0; i < 3; i++) {
      for (int j = i; j < 3; j++) {
        assertThat(waiting.get(j)).isNotDone();
      }
      locks().unlock(held).get(WAIT, TimeUnit.SECONDS);
      LockResponse next = waiting.get(i).get(WAIT, TimeUnit.SECONDS);
      held = next.getKey();
      // the header of a waiter's answer is its final read of its own key, after the unlock
      assertThat(next.getHeader().getRevision()).isEqualTo(server.store().currentRevision());
    }
    locks().unlock(held).get(WAIT, TimeUnit.SECONDS);
    assertThat(fake.keysUnder("fifo/")).isEmpty();
  }

  @Test
  void theKeyIsTheNameSlashTheLeaseInHexAndLockingAgainWithTheLeaseReturnsIt() throws Exception {
    start(EtcdFakeServer.builder());
    long lease = fake.lease(60);
    LockResponse r = locks().lock(FakeWithClient.bs("shape"), lease).get(WAIT, TimeUnit.SECONDS);
    assertThat(r.getKey().toString(UTF_8)).isEqualTo("shape/" + Long.toHexString(lease));
    KeyValue kv = fake.keysUnder("shape/").get(0);
    assertThat(kv.lease()).isEqualTo(lease);
    assertThat(kv.value()).isEqualTo(ByteString.EMPTY);
    assertThat(r.getHeader().getRevision()).isEqualTo(kv.createRevision());

    LockResponse again = locks().lock(FakeWithClient.bs("shape"), lease).get(WAIT, TimeUnit.SECONDS);
    assertThat(again.getKey()).isEqualTo(r.getKey());
    assertThat(fake.keysUnder("shape/")).hasSize(1);
    assertThat(again.getHeader().getRevision()).isEqualTo(kv.createRevision());
  }

  @Test
  void leaseZeroGrantsASixtySecondLeaseAndAnUnknownLeaseIsEtcdsErrorAsUnknown() throws Exception {
    start(EtcdFakeServer.builder().manualClock());
    LockResponse r = locks().lock(FakeWithClient.bs("zero"), 0).get(WAIT, TimeUnit.SECONDS);
    long lease = fake.keysUnder("zero/").get(0).lease();
    assertThat(r.getKey().toString(UTF_8)).isEqualTo("zero/" + Long.toHexString(lease));
    assertThat(server.lessor().timeToLive(lease).grantedTtl()).isEqualTo(60);
    server.clock().advance(Duration.ofSeconds(61));
    assertThat(fake.keysUnder("zero/")).isEmpty();

    assertThatThrownBy(() -> locks().lock(FakeWithClient.bs("zero"), 0x1234).get(WAIT, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(StatusRuntimeException.class)
        .hasMessage("UNKNOWN: etcdserver: requested lease not found");
  }

  @Test
  void whenTheHoldersLeaseExpiresTheNextWaiterGetsTheLock() throws Exception {
    start(EtcdFakeServer.builder().manualClock());
    long holder = fake.lease(10);
    long waiter = fake.lease(100);
    LockResponse held = locks().lock(FakeWithClient.bs("expiry"), holder).get(WAIT, TimeUnit.SECONDS);
    CompletableFuture<LockResponse> next = locks().lock(FakeWithClient.bs("expiry"), waiter);
    fake.awaitKeys("expiry/", 2);
    assertThat(next).isNotDone();

    server.clock().advance(Duration.ofSeconds(11));

    LockResponse got = next.get(WAIT, TimeUnit.SECONDS);
    assertThat(got.getKey().toString(UTF_8)).isEqualTo("expiry/" + Long.toHexString(waiter));
    assertThat(fake.keysUnder("expiry/")).extracting(kv -> kv.key().toStringUtf8())
        .containsExactly("expiry/" + Long.toHexString(waiter));
    assertThat(held.getKey()).isNotEqualTo(got.getKey());
  }

  /** etcd 3.5's mutex checks its own key once the older holders are gone; 3.4 reported success here. */
  @Test
  void aWaiterWhoseOwnLeaseExpiredIsToldItsSessionExpiredWhenItsTurnComes() throws Exception {
    start(EtcdFakeServer.builder().manualClock());
    long holder = fake.lease(100);
    long waiter = fake.lease(10);
    LockResponse held = locks().lock(FakeWithClient.bs("expired"), holder).get(WAIT, TimeUnit.SECONDS);
    CompletableFuture<LockResponse> next = locks().lock(FakeWithClient.bs("expired"), waiter);
    fake.awaitKeys("expired/", 2);

    server.clock().advance(Duration.ofSeconds(11));
    fake.awaitKeys("expired/", 1);
    assertThat(next).as("still waiting for the holder").isNotDone();

    locks().unlock(held.getKey()).get(WAIT, TimeUnit.SECONDS);
    assertThatThrownBy(() -> next.get(WAIT, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .rootCause().isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> {
          assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
          assertThat(((StatusRuntimeException) e).getStatus().getDescription()).isEqualTo("mutex: session is expired");
        });
    assertThat(fake.keysUnder("expired/")).isEmpty();
  }

  @Test
  void aCancelledLockCallDeletesItsWaitingKey() throws Exception {
    start(EtcdFakeServer.builder());
    long holder = fake.lease(60);
    long waiter = fake.lease(60);
    locks().lock(FakeWithClient.bs("cancel"), holder).get(WAIT, TimeUnit.SECONDS);
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      ExecutorService one = Executors.newSingleThreadExecutor();
      io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
      Future<?> call = one.submit(() -> ctx.run(() -> LockGrpc.newBlockingStub(channel)
          .lock(LockRequest.newBuilder().setName(ByteString.copyFromUtf8("cancel")).setLease(waiter).build())));
      fake.awaitKeys("cancel/", 2);
      ctx.cancel(null);
      assertThatThrownBy(() -> call.get(WAIT, TimeUnit.SECONDS))
          .hasCauseInstanceOf(StatusRuntimeException.class)
          .cause().satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode())
              .isEqualTo(Status.Code.CANCELLED));
      fake.awaitKeys("cancel/", 1);
      assertThat(fake.keysUnder("cancel/").get(0).key().toStringUtf8()).isEqualTo("cancel/" + Long.toHexString(holder));
      one.shutdownNow();
    } finally {
      channel.shutdownNow();
    }
  }
}
