package io.etcdfake.samples.basics;

import static io.etcdfake.samples.recipes.Bytes.bytes;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcdfake.samples.recipes.Session;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The same lock through jetcd's {@code Lock} client: etcd's Lock service runs the recipe on the
 * server, and the returned key (name + "/" + leaseHex) is what unlocking deletes.
 */
public final class JetcdLock {
  private final Client client;
  private final ByteSequence name;
  private final Session session;
  private ByteSequence ownedKey;

  public JetcdLock(Client client, String name, Session session) {
    this.client = client;
    this.name = bytes(name);
    this.session = session;
  }

  /** Blocks until held. On timeout the request is abandoned; its key goes with the session's lease. */
  public void lock(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
    ownedKey = client.getLockClient().lock(name, session.leaseId()).get(timeout.toNanos(), TimeUnit.NANOSECONDS).getKey();
  }

  /** The key that marks this holder; null before {@link #lock}. */
  public ByteSequence key() {
    return ownedKey;
  }

  public void unlock() throws InterruptedException, ExecutionException {
    client.getLockClient().unlock(ownedKey).get();
    ownedKey = null;
  }
}
