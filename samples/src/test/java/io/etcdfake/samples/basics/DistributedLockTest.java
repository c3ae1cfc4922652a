package io.etcdfake.samples.basics;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcdfake.junit.EtcdFake;
import io.etcdfake.samples.recipes.Queueing;
import io.etcdfake.samples.recipes.Session;
import io.etcdfake.server.EtcdFakeServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@EtcdFake(manualClock = true)
class DistributedLockTest {
  private static final String PREFIX = "/funtester/";
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** A thread per task: the common pool may have a single thread on a small machine. */
  private static final Executor THREADS = task -> new Thread(task).start();

  @Test
  void secondContenderWaitsUntilTheFirstReleases(Client client) throws Exception {
    try (Session first = Session.open(client, 30); Session second = Session.open(client, 30)) {
      DistributedLock a = new DistributedLock(client, PREFIX, first);
      DistributedLock b = new DistributedLock(client, PREFIX, second);
      a.lock(WAIT);
      assertThat(Queueing.first(client, PREFIX).getKey()).isEqualTo(a.key());

      CountDownLatch bQueued = awaitPut(client, b.key());
      CompletableFuture<Void> bLocked = CompletableFuture.runAsync(() -> lockQuietly(b), THREADS);
      assertThat(bQueued.await(30, TimeUnit.SECONDS)).isTrue();
      // b's key is written, so b is in the queue behind a and cannot hold the lock while a does
      assertThat(bLocked).isNotDone();
      assertThat(Queueing.first(client, PREFIX).getKey()).isEqualTo(a.key());

      a.unlock();
      bLocked.get(30, TimeUnit.SECONDS);
      assertThat(Queueing.first(client, PREFIX).getKey()).isEqualTo(b.key());
      b.unlock();
      assertThat(Queueing.first(client, PREFIX)).isNull();
    }
  }

  /** Fake only: a holder that dies without unlocking loses the lock when its lease expires. */
  @Test
  void lockPassesOnWhenTheHolderCrashes(Client client, EtcdFakeServer server) throws Exception {
    Session dying = Session.open(client, 5);
    try (Session waiting = Session.open(client, 60)) {
      DistributedLock a = new DistributedLock(client, PREFIX, dying);
      DistributedLock b = new DistributedLock(client, PREFIX, waiting);
      a.lock(WAIT);
      CountDownLatch bQueued = awaitPut(client, b.key());
      CompletableFuture<Void> bLocked = CompletableFuture.runAsync(() -> lockQuietly(b), THREADS);
      assertThat(bQueued.await(30, TimeUnit.SECONDS)).isTrue();

      dying.crash();
      server.clock().advance(Duration.ofSeconds(6));

      bLocked.get(30, TimeUnit.SECONDS);
      assertThat(Queueing.first(client, PREFIX).getKey()).isEqualTo(b.key());
    }
  }

  /** Counts down when {@code key} is written after now (from the next revision, so none is missed). */
  private static CountDownLatch awaitPut(Client client, ByteSequence key) throws Exception {
    long next = client.getKVClient().get(key).get().getHeader().getRevision() + 1;
    CountDownLatch put = new CountDownLatch(1);
    WatchOption option = WatchOption.builder().withRevision(next).withNoDelete(true).build();
    client.getWatchClient().watch(key, option, r -> {
      if (r.getEvents().stream().anyMatch(e -> e.getEventType() == WatchEvent.EventType.PUT)) {
        put.countDown();
      }
    });
    return put;
  }

  private static void lockQuietly(DistributedLock lock) {
    try {
      lock.lock(WAIT);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
