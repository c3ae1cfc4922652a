package io.etcdfake.samples.queue;

import static io.etcdfake.samples.recipes.Bytes.bytes;
import static io.etcdfake.samples.recipes.Bytes.string;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A FIFO work queue on txn + watch, as etcd's {@code recipes.Queue}: producers add a key under the
 * prefix, consumers take the oldest (lowest create revision) by deleting it in a txn that checks
 * its mod revision, so each job goes to exactly one consumer; an empty queue is waited on by watch.
 */
public final class WorkQueue {
  private final Client client;
  private final String prefix;

  public WorkQueue(Client client, String prefix) {
    this.client = client;
    this.prefix = prefix;
  }

  /** Adds a job; the key is unique (create_revision == 0 guards against a clash). */
  public void add(String job) throws InterruptedException, ExecutionException {
    while (true) {
      ByteSequence key = bytes(prefix + UUID.randomUUID());
      boolean added = client.getKVClient().txn()
          .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
          .Then(Op.put(key, bytes(job), PutOption.DEFAULT))
          .commit().get().isSucceeded();
      if (added) {
        return;
      }
    }
  }

  /** Takes the oldest job, waiting for one if the queue is empty. */
  public String take(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      GetResponse oldest = client.getKVClient().get(bytes(prefix), GetOption.builder()
          .isPrefix(true)
          .withSortField(GetOption.SortTarget.CREATE)
          .withSortOrder(GetOption.SortOrder.ASCEND)
          .withLimit(1)
          .build()).get();
      if (oldest.getKvs().isEmpty()) {
        awaitPut(oldest.getHeader().getRevision() + 1, deadline);
        continue;
      }
      KeyValue job = oldest.getKvs().get(0);
      boolean mine = client.getKVClient().txn()
          .If(new Cmp(job.getKey(), Cmp.Op.EQUAL, CmpTarget.modRevision(job.getModRevision())))
          .Then(Op.delete(job.getKey(), DeleteOption.DEFAULT))
          .commit().get().isSucceeded();
      if (mine) {
        return string(job.getValue());
      }
      // another consumer took it first: look again
    }
  }

  private void awaitPut(long fromRevision, long deadline) throws InterruptedException, TimeoutException {
    CountDownLatch added = new CountDownLatch(1);
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(fromRevision).withNoDelete(true).build();
    try (var watcher = client.getWatchClient().watch(bytes(prefix), option, r -> {
      if (r.getEvents().stream().anyMatch(e -> e.getEventType() == WatchEvent.EventType.PUT)) {
        added.countDown();
      }
    })) {
      if (!added.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new TimeoutException("no job in " + prefix);
      }
    }
  }
}
