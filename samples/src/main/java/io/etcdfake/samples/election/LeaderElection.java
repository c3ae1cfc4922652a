package io.etcdfake.samples.election;

import static io.etcdfake.samples.recipes.Bytes.bytes;

import io.etcd.jetcd.Client;
import io.etcdfake.samples.recipes.Queueing;
import io.etcdfake.samples.recipes.Session;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * One candidate in an election, as etcd's {@code concurrency.Election}: campaigning writes
 * {@code prefix + leaseHex} with the candidate's value, and the candidate leads once every key
 * created before it is gone. Resigning deletes the key; a dead candidate's key goes with its lease.
 */
public final class LeaderElection {
  private final Client client;
  private final String prefix;
  private final Session session;

  public LeaderElection(Client client, String prefix, Session session) {
    this.client = client;
    this.prefix = prefix;
    this.session = session;
  }

  /** Blocks until this candidate leads; on timeout it leaves the election and throws. */
  public void campaign(String value, Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
    Queueing.Place place = Queueing.enqueue(client, prefix, session, bytes(value));
    try {
      Queueing.awaitTurn(client, prefix, place, timeout);
    } catch (TimeoutException | InterruptedException e) {
      resign();
      throw e;
    }
  }

  /** Steps down (or leaves the queue): the next candidate in create-revision order leads. */
  public void resign() throws InterruptedException, ExecutionException {
    client.getKVClient().delete(Queueing.keyOf(prefix, session)).get();
  }
}
