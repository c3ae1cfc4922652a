package io.etcdfake.samples.basics;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcdfake.samples.recipes.Queueing;
import io.etcdfake.samples.recipes.Session;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * A mutex on KV + Lease + Watch, as etcd's {@code concurrency.Mutex}: the holder is the key under
 * the prefix with the lowest create revision; a contender waits for the key just before its own
 * to be deleted. If the holder dies, its session lease expires and the lock passes on.
 */
public final class DistributedLock {
  private final Client client;
  private final String prefix;
  private final Session session;
  private Queueing.Place place;

  /** A lock on {@code prefix} (e.g. "/funtester/") held by {@code session}'s lease. */
  public DistributedLock(Client client, String prefix, Session session) {
    this.client = client;
    this.prefix = prefix;
    this.session = session;
  }

  /** Blocks until this session holds the lock; on timeout it leaves the queue and throws. */
  public void lock(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
    place = Queueing.enqueue(client, prefix, session, ByteSequence.EMPTY);
    try {
      Queueing.awaitTurn(client, prefix, place, timeout);
    } catch (TimeoutException | InterruptedException e) {
      unlock();
      throw e;
    }
  }

  /** The key that marks this holder, e.g. "/funtester/694d7a1b2c3d4e5f". */
  public ByteSequence key() {
    return Queueing.keyOf(prefix, session);
  }

  public void unlock() throws InterruptedException, ExecutionException {
    client.getKVClient().delete(key()).get();
    place = null;
  }
}
