package io.etcdfake.samples.basics;

import static io.etcdfake.samples.recipes.Bytes.bytes;
import static io.etcdfake.samples.recipes.Bytes.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcdfake.junit.EtcdFake;
import io.etcdfake.samples.recipes.Queueing;
import io.etcdfake.samples.recipes.Session;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@EtcdFake
class JetcdLockTest {
  private static final String NAME = "/funtester/";
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** A thread per task: the common pool may have a single thread on a small machine. */
  private static final Executor THREADS = task -> new Thread(task).start();

  @Test
  void secondContenderWaitsUntilTheFirstUnlocks(Client client) throws Exception {
    try (Session first = Session.open(client, 30); Session second = Session.open(client, 30)) {
      JetcdLock a = new JetcdLock(client, NAME, first);
      JetcdLock b = new JetcdLock(client, NAME, second);
      a.lock(WAIT);
      assertThat(string(a.key())).isEqualTo(NAME + "/" + Long.toHexString(first.leaseId()));

      CountDownLatch bQueued = awaitNextPutUnder(client, NAME);
      CompletableFuture<Void> bLocked = CompletableFuture.runAsync(() -> lockQuietly(b), THREADS);
      assertThat(bQueued.await(30, TimeUnit.SECONDS)).isTrue();
      // b's key is written behind a's: the server holds b's request until a unlocks
      assertThat(bLocked).isNotDone();

      a.unlock();
      bLocked.get(30, TimeUnit.SECONDS);
      assertThat(Queueing.first(client, NAME).getKey()).isEqualTo(b.key());
      b.unlock();
      assertThat(Queueing.first(client, NAME)).isNull();
    }
  }

  /** Counts down at the next put under {@code prefix} (watched from the next revision: none is missed). */
  private static CountDownLatch awaitNextPutUnder(Client client, String prefix) throws Exception {
    long next = client.getKVClient().get(bytes(prefix)).get().getHeader().getRevision() + 1;
    CountDownLatch put = new CountDownLatch(1);
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(next).withNoDelete(true).build();
    client.getWatchClient().watch(bytes(prefix), option, r -> {
      if (r.getEvents().stream().anyMatch(e -> e.getEventType() == WatchEvent.EventType.PUT)) {
        put.countDown();
      }
    });
    return put;
  }

  private static void lockQuietly(JetcdLock lock) {
    try {
      lock.lock(WAIT);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
