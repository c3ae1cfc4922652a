package io.etcdfake.server.reliability;

import static io.etcdfake.server.lock.FakeWithClient.bs;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcdfake.server.EtcdFakeServer;
import io.etcdfake.server.lock.FakeWithClient;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.etcdfake.server.mvcc.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * Waiting calls hold no thread, a vanished client leaves no state behind, and a cancelled call gives
 * its stream slot back. Threads are counted by name, never timed.
 */
class ResourceBoundsTest {
  private static final int WAIT = FakeWithClient.WAIT;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private FakeWithClient fake(EtcdFakeServer.Builder b) throws Exception {
    FakeWithClient f = new FakeWithClient(b);
    open.add(f);
    return f;
  }

  /** executor threads of servers other tests left open: not this test's server */
  private final Set<Thread> othersThreads = executorThreads();

  private static Set<Thread> executorThreads() {
    Set<Thread> out = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith(EtcdFakeServer.EXECUTOR_THREAD_PREFIX)) {
        out.add(t);
      }
    }
    return out;
  }

  /** The executor threads of this test's server: those that were not there before it started. */
  private int serverThreads() {
    Set<Thread> now = executorThreads();
    now.removeAll(othersThreads);
    return now.size();
  }

  private static long[] leases(Client client, int n) throws Exception {
    List<CompletableFuture<io.etcd.jetcd.lease.LeaseGrantResponse>> grants = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      grants.add(client.getLeaseClient().grant(600));
    }
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = grants.get(i).get(WAIT, TimeUnit.SECONDS).getID();
    }
    return ids;
  }

  /** Polls (up to 30 s) until {@code value} reaches {@code expected}; the message names what did not. */
  private static void await(String what, IntSupplier value, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
    while (value.getAsInt() != expected) {
      assertThat(System.nanoTime()).as("%s: %d, never %d", what, value.getAsInt(), expected).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  /**
   * 500 Lock calls and 200 Campaigns waiting at once on a server with two executor threads: if a
   * waiting call held a thread, the third would never be served, nor the puts after them. The
   * server's threads stay two and the JVM's grow by far less than the waiting calls; then the lock
   * passes down the whole queue in order.
   */
  @Test
  void fiveHundredWaitingLocksAndTwoHundredCampaignsHoldNoThread(TestReporter report) throws Exception {
    FakeWithClient fake = fake(EtcdFakeServer.builder().executorThreads(2));
    Client client = fake.client;
    int locks = 500;
    int campaigns = 200;
    long[] lockLeases = leases(client, locks + 1);
    long[] electionLeases = leases(client, campaigns + 1);
    int threadsBefore = Thread.activeCount();

    LockResponse held = client.getLockClient().lock(bs("bounded"), lockLeases[0]).get(WAIT, TimeUnit.SECONDS);
    client.getElectionClient().campaign(bs("race"), electionLeases[0], bs("leader")).get(WAIT, TimeUnit.SECONDS);
    List<CompletableFuture<LockResponse>> waitingLocks = new ArrayList<>();
    for (int i = 1; i <= locks; i++) {
      waitingLocks.add(client.getLockClient().lock(bs("bounded"), lockLeases[i]));
    }
    List<CompletableFuture<CampaignResponse>> waitingCampaigns = new ArrayList<>();
    for (int i = 1; i <= campaigns; i++) {
      waitingCampaigns.add(client.getElectionClient().campaign(bs("race"), electionLeases[i], bs("c" + i)));
    }
    fake.awaitKeys("bounded/", locks + 1);
    fake.awaitKeys("race/", campaigns + 1);

    // the server still answers, on its two threads
    for (int i = 0; i < 50; i++) {
      client.getKVClient().put(bs("k" + i), bs("v" + i)).get(WAIT, TimeUnit.SECONDS);
      assertThat(client.getKVClient().get(bs("k" + i)).get(WAIT, TimeUnit.SECONDS).getKvs().get(0).getValue())
          .isEqualTo(bs("v" + i));
    }
    int serverThreads = serverThreads();
    int threadsWhileWaiting = Thread.activeCount();
    report.publishEntry("threads", "server " + serverThreads + ", JVM " + threadsBefore + " -> " + threadsWhileWaiting
        + " with " + (locks + campaigns) + " calls waiting");
    assertThat(serverThreads).as("server executor threads").isBetween(1, 2);
    assertThat(threadsWhileWaiting - threadsBefore).as("JVM threads added while %d calls wait", locks + campaigns)
        .isLessThan(100);
    for (CompletableFuture<LockResponse> w : waitingLocks) {
      assertThat(w).isNotDone();
    }

    // first in (by create revision: jetcd sent them in parallel), first served, all the way down the queue
    ByteSequence key = held.getKey();
    for (int i = 0; i < locks; i++) {
      client.getLockClient().unlock(key).get(WAIT, TimeUnit.SECONDS);
      ByteString oldest = oldestKeyUnder(fake, "bounded/").key();
      key = nextDone(waitingLocks).getKey();
      assertThat(key.getBytes()).isEqualTo(oldest.toByteArray());
    }
    client.getLockClient().unlock(key).get(WAIT, TimeUnit.SECONDS);
    assertThat(fake.keysUnder("bounded/")).isEmpty();
    // each leader's lease ends in turn: the next oldest candidate wins
    for (int i = 0; i < campaigns; i++) {
      client.getLeaseClient().revoke(oldestKeyUnder(fake, "race/").lease()).get(WAIT, TimeUnit.SECONDS);
      KeyValue next = oldestKeyUnder(fake, "race/");
      assertThat(nextDone(waitingCampaigns).getLeader().getKey().getBytes()).isEqualTo(next.key().toByteArray());
    }
    assertThat(serverThreads()).isBetween(1, 2);
  }

  private static KeyValue oldestKeyUnder(FakeWithClient fake, String prefix) {
    return fake.keysUnder(prefix).stream().min(Comparator.comparingLong(KeyValue::createRevision)).orElseThrow();
  }

  /** Waits for one of the calls to be answered, checks it is the only one, and takes it off the list. */
  private static <T> T nextDone(List<CompletableFuture<T>> calls) throws Exception {
    CompletableFuture.anyOf(calls.toArray(CompletableFuture[]::new)).get(WAIT, TimeUnit.SECONDS);
    List<CompletableFuture<T>> done = calls.stream().filter(CompletableFuture::isDone).toList();
    assertThat(done).as("calls answered at once").hasSize(1);
    calls.remove(done.get(0));
    return done.get(0).get();
  }

  /** With no setting, the pool is the documented size however many calls wait. */
  @Test
  void theDefaultPoolIsTwoThreadsPerCoreAtLeastFour() throws Exception {
    FakeWithClient fake = fake(EtcdFakeServer.builder());
    long[] ids = leases(fake.client, 101);
    fake.client.getLockClient().lock(bs("d"), ids[0]).get(WAIT, TimeUnit.SECONDS);
    for (int i = 1; i <= 100; i++) {
      fake.client.getLockClient().lock(bs("d"), ids[i]);
    }
    fake.awaitKeys("d/", 101);
    assertThat(EtcdFakeServer.DEFAULT_EXECUTOR_THREADS)
        .isEqualTo(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
    assertThat(serverThreads()).isBetween(1, EtcdFakeServer.DEFAULT_EXECUTOR_THREADS);
  }

  /**
   * A client that goes away with calls waiting and streams open leaves nothing on the server: its
   * waiting lock and campaign keys are deleted, its watchers, observers and keep-alive streams end.
   */
  @Test
  void aVanishedClientLeavesNoStateBehind() throws Exception {
    FakeWithClient fake = fake(EtcdFakeServer.builder());
    EtcdFakeServer server = fake.server;
    long holderLease = fake.lease(600);
    fake.client.getLockClient().lock(bs("gone"), holderLease).get(WAIT, TimeUnit.SECONDS);
    fake.client.getElectionClient().campaign(bs("gone-e"), holderLease, bs("leader")).get(WAIT, TimeUnit.SECONDS);
    int watchersBefore = server.watchHub().watcherCount();
    int streamsBefore = server.faults().openStreams();

    Client vanishing = Client.builder().endpoints(server.clientEndpoints()).build();
    long[] ids = leases(vanishing, 50);
    for (int i = 0; i < 50; i++) {
      vanishing.getLockClient().lock(bs("gone"), ids[i]);
      vanishing.getElectionClient().campaign(bs("gone-e"), ids[i], bs("c" + i));
      vanishing.getWatchClient().watch(bs("w" + i), r -> {});
      vanishing.getElectionClient().observe(bs("gone-e"), new io.etcd.jetcd.Election.Listener() {
        @Override
        public void onNext(LeaderResponse response) {}

        @Override
        public void onError(Throwable throwable) {}

        @Override
        public void onCompleted() {}
      });
    }
    for (int i = 0; i < 10; i++) {
      vanishing.getLeaseClient().keepAlive(ids[i], new StreamObserver<LeaseKeepAliveResponse>() {
        @Override
        public void onNext(LeaseKeepAliveResponse value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });
    }
    fake.awaitKeys("gone/", 51);
    fake.awaitKeys("gone-e/", 51);
    // 50 lock and 50 campaign waits, 50 watches, 50 observers
    await("watchers while the client is there", server.watchHub()::watcherCount, watchersBefore + 200);
    assertThat(server.faults().openStreams()).isGreaterThan(streamsBefore);

    vanishing.close();
    fake.awaitKeys("gone/", 1);
    fake.awaitKeys("gone-e/", 1);
    await("watchers after the client left", server.watchHub()::watcherCount, watchersBefore);
    await("open streams after the client left", server.faults()::openStreams, streamsBefore);
  }

  /**
   * With one stream per connection, a waiting Lock call takes the only slot and a put on the same
   * connection waits in the client. Cancelling the Lock frees the slot on the server (its waiting key
   * goes) and the next call on the connection runs. grpc-java's client sends the put it queued only
   * when another stream opens on the connection, not when the cancelled one closes: real etcd 3.4 with
   * --max-concurrent-streams 1 shows the same to the same client, so the test opens one.
   */
  @Test
  void aCancelledCallGivesItsStreamSlotBack() throws Exception {
    FakeWithClient fake = fake(EtcdFakeServer.builder().maxConcurrentStreams(1));
    fake.client.getLockClient().lock(bs("slot"), fake.lease(600)).get(WAIT, TimeUnit.SECONDS);
    ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", fake.server.port()).usePlaintext().build();
    open.add(ch::shutdownNow);
    long lease = fake.lease(600);
    var waiting = LockGrpc.newFutureStub(ch)
        .lock(LockRequest.newBuilder().setName(ByteString.copyFromUtf8("slot")).setLease(lease).build());
    fake.awaitKeys("slot/", 2);
    var queued = KVGrpc.newFutureStub(ch).put(put("queued"));
    // the put waits in the client behind the lock: while the lock waits, nothing frees the slot
    assertThat(fake.keysUnder("queued")).isEmpty();
    assertThat(queued.isDone()).as("a put beyond the one stream allowed").isFalse();

    waiting.cancel(true);
    fake.awaitKeys("slot/", 1);
    // the server took the slot back: a new stream on the connection is served, not refused
    KVGrpc.newBlockingStub(ch).withDeadlineAfter(WAIT, TimeUnit.SECONDS).put(put("next"));
    queued.get(WAIT, TimeUnit.SECONDS);
    assertThat(fake.keysUnder("queued")).hasSize(1);
    assertThat(fake.keysUnder("next")).hasSize(1);
  }

  /** Calls held up by injected latency wait on a timer, not on a thread: a one-thread server still answers. */
  @Test
  void injectedLatencyHoldsNoThread() throws Exception {
    FakeWithClient fake = fake(EtcdFakeServer.builder().executorThreads(1));
    fake.server.faults().delay("KV/Put", java.time.Duration.ofMinutes(5));
    List<CompletableFuture<io.etcd.jetcd.kv.PutResponse>> delayed = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      delayed.add(fake.client.getKVClient().put(bs("slow" + i), bs("v")));
    }
    for (int i = 0; i < 20; i++) {
      assertThat(fake.client.getKVClient().get(bs("slow" + i)).get(WAIT, TimeUnit.SECONDS).getKvs()).isEmpty();
    }
    assertThat(delayed).noneMatch(CompletableFuture::isDone);
    assertThat(serverThreads()).isEqualTo(1);
    fake.server.faults().clear();
    for (CompletableFuture<io.etcd.jetcd.kv.PutResponse> put : delayed) {
      put.get(WAIT, TimeUnit.SECONDS);
    }
    assertThat(fake.keysUnder("slow")).hasSize(50);
  }

  private static PutRequest put(String key) {
    return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v")).build();
  }
}
