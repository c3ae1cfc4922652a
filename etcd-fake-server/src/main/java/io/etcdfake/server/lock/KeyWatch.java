package io.etcdfake.server.lock;

import io.etcdfake.server.errors.EtcdException;
import io.etcdfake.server.errors.StatusCode;
import io.etcdfake.server.mvcc.Event;
import io.etcdfake.server.mvcc.KeyRange;
import io.etcdfake.server.watch.WatchHub;
import io.etcdfake.server.watch.WatchListener;
import io.etcdfake.server.watch.WatchOptions;
import io.etcdfake.server.watch.Watcher;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A watch on the hub read as a blocking queue, the way a Go client reads its watch channel: the
 * recipes wait on it on the caller's thread. Ends with {@link CancellationException} once
 * {@code abandoned} completes (the call was cancelled), and with etcd's client error when the
 * watch is cancelled under it (compaction, server reset).
 */
public final class KeyWatch implements AutoCloseable {
  /** Events of whole revisions with the header revision etcd sends them under. */
  public record Batch(long revision, List<Event> events) {}

  private static final Object ABANDONED = new Object();

  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final Watcher watcher;

  public KeyWatch(WatchHub hub, KeyRange keys, long startRevision, CompletableFuture<?> abandoned) {
    abandoned.whenComplete((v, e) -> queue.add(ABANDONED));
    this.watcher = hub.watch(keys, startRevision, WatchOptions.DEFAULT, new WatchListener() {
      @Override
      public boolean onEvents(long revision, List<Event> events) {
        queue.add(new Batch(revision, List.copyOf(events)));
        return true;
      }

      @Override
      public void onCanceled(long compactRevision, String reason) {
        // what Go's concurrency package answers when its watch channel closes under it
        queue.add(new EtcdException(StatusCode.UNKNOWN, "lost watcher waiting for delete"));
      }
    });
  }

  /** The next batch; blocks until there is one. */
  public Batch next() {
    Object o;
    try {
      o = queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted");
    }
    if (o == ABANDONED) {
      queue.add(ABANDONED);
      throw new CancellationException("context canceled");
    }
    if (o instanceof RuntimeException e) {
      throw e;
    }
    return (Batch) o;
  }

  @Override
  public void close() {
    watcher.cancel();
  }
}
