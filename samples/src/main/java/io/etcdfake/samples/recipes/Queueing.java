package io.etcdfake.samples.recipes;

import static io.etcdfake.samples.recipes.Bytes.bytes;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The queue under etcd's lock and election recipes: each contender writes {@code prefix + leaseHex}
 * once, and its turn comes when every key under the prefix with a lower create revision is gone.
 * Waiting watches only the next lower key, so one release wakes one contender, not all.
 */
public final class Queueing {
  private Queueing() {}

  /** A contender's place: its key and the create revision that orders it. */
  public record Place(ByteSequence key, long createRevision) {}

  /** The key of {@code session} under {@code prefix}, as etcd's recipes name it. */
  public static ByteSequence keyOf(String prefix, Session session) {
    return bytes(prefix + Long.toHexString(session.leaseId()));
  }

  /**
   * Writes the session's key with {@code value} unless it is there already (create_revision == 0),
   * so a retry keeps the original place in the queue.
   */
  public static Place enqueue(Client client, String prefix, Session session, ByteSequence value)
      throws InterruptedException, ExecutionException {
    ByteSequence key = keyOf(prefix, session);
    TxnResponse r = client.getKVClient().txn()
        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
        .Then(Op.put(key, value, PutOption.builder().withLeaseId(session.leaseId()).build()))
        .Else(Op.get(key, GetOption.DEFAULT))
        .commit().get();
    long createRevision = r.isSucceeded()
        ? r.getHeader().getRevision()
        : r.getGetResponses().get(0).getKvs().get(0).getCreateRevision();
    return new Place(key, createRevision);
  }

  /** Returns once no key under {@code prefix} was created before {@code place}. */
  public static void awaitTurn(Client client, String prefix, Place place, Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      GetResponse ahead = client.getKVClient().get(bytes(prefix), GetOption.builder()
          .isPrefix(true)
          .withMaxCreateRevision(place.createRevision() - 1)
          .withSortField(GetOption.SortTarget.CREATE)
          .withSortOrder(GetOption.SortOrder.DESCEND)
          .withLimit(1)
          .build()).get();
      if (ahead.getKvs().isEmpty()) {
        return;
      }
      KeyValue next = ahead.getKvs().get(0);
      awaitDeletion(client, next.getKey(), ahead.getHeader().getRevision() + 1, deadline);
    }
  }

  /** Waits for {@code key} to be deleted at or after {@code fromRevision}. */
  private static void awaitDeletion(Client client, ByteSequence key, long fromRevision, long deadline)
      throws InterruptedException, TimeoutException {
    CountDownLatch deleted = new CountDownLatch(1);
    WatchOption option = WatchOption.builder().withRevision(fromRevision).withNoPut(true).build();
    try (var watcher = client.getWatchClient().watch(key, option, response -> {
      if (response.getEvents().stream().anyMatch(e -> e.getEventType() == WatchEvent.EventType.DELETE)) {
        deleted.countDown();
      }
    })) {
      if (!deleted.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new TimeoutException("still waiting for " + Bytes.string(key) + " to go");
      }
    }
  }

  /** The key under {@code prefix} created first (the holder), or null if none. */
  public static KeyValue first(Client client, String prefix) throws InterruptedException, ExecutionException {
    GetResponse r = client.getKVClient().get(bytes(prefix), GetOption.builder()
        .isPrefix(true)
        .withSortField(GetOption.SortTarget.CREATE)
        .withSortOrder(GetOption.SortOrder.ASCEND)
        .withLimit(1)
        .build()).get();
    return r.getKvs().isEmpty() ? null : r.getKvs().get(0);
  }
}
