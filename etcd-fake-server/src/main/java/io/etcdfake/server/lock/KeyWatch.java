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
import java.util.concurrent.CompletableFuture;

/**
 * A watch on the hub followed without holding a thread, the way a Go client ranges over its watch
 * channel: each batch goes to a {@link Follower} on the hub's delivery thread, and the returned
 * future completes when the follower is done. It fails with {@link CancellationException} once
 * the call is cancelled, and with etcd's client error when the watch
 * is cancelled under it (compaction, server reset). Dependent work that touches the store must run
 * on an executor ({@code ...Async}): the future may complete on the hub's delivery thread.
 */
public final class KeyWatch {
  /** What a follower wants after a batch. */
  public enum Step {
    /** go on watching */
    MORE,
    /** the wait is over: complete the future and stop the watch */
    DONE,
    /** cannot take these events now (its client is not reading): get them again later from history */
    BUSY
  }

  /**
   * Sees the events of whole revisions with the header revision etcd sends them under. Called on the
   * hub's delivery thread, one call at a time: must be quick and must not write to the store.
   */
  @FunctionalInterface
  public interface Follower {
    Step onBatch(long revision, List<Event> events);
  }

  private KeyWatch() {}

  public static CompletableFuture<Void> follow(WatchHub hub, KeyRange keys, long startRevision,
      Cancel cancel, Follower follower) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Watcher watcher = hub.watch(keys, startRevision, WatchOptions.DEFAULT, new WatchListener() {
      @Override
      public boolean onEvents(long revision, List<Event> events) {
        if (done.isDone()) {
          return true;
        }
        Step step = follower.onBatch(revision, List.copyOf(events));
        if (step == Step.BUSY) {
          return false;
        }
        if (step == Step.DONE) {
          done.complete(null);
        }
        return true;
      }

      @Override
      public void onCanceled(long compactRevision, String reason) {
        // what Go's concurrency package answers when its watch channel closes under it
        done.completeExceptionally(new EtcdException(StatusCode.UNKNOWN, "lost watcher waiting for delete"));
      }
    });
    done.whenComplete((v, e) -> watcher.cancel());
    cancel.add(done);
    return done;
  }
}
