package io.etcdfake.server.watch;

import io.etcdfake.server.errors.EtcdError;
import io.etcdfake.server.errors.EtcdException;
import io.etcdfake.server.mvcc.Event;
import io.etcdfake.server.mvcc.KeyValue;
import io.etcdfake.server.mvcc.KeyRange;
import io.etcdfake.server.mvcc.MvccStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * Every watcher of one store (etcd's watchableStore). Synced watchers get each revision as it is
 * committed; unsynced ones (created in the past, or too slow to take a revision when it came) are
 * brought up to date from the store's history by a sync thread, in batches of at most 1000
 * revisions, and join the synced ones once caught up. Nothing is queued per watcher, so a stalled
 * client costs no memory; if the history it still needs is compacted, it is canceled with the
 * compact revision, as etcd does. Writers never wait for a watcher.
 */
public final class WatchHub implements AutoCloseable {
  /** etcd's watchBatchMaxRevs: revisions per catch-up response */
  static final int MAX_REVISIONS_PER_BATCH = 1000;
  /** how often unsynced watchers are retried, as etcd's syncWatchersLoop */
  private static final long SYNC_PERIOD_MS = 100;
  /** history read per step while catching up */
  private static final int READ_CHUNK = 4096;
  /** etcd's default --experimental-watch-progress-notify-interval */
  public static final Duration DEFAULT_PROGRESS_NOTIFY_INTERVAL = Duration.ofMinutes(10);

  private final MvccStore store;
  private final Duration progressNotifyInterval;
  private final Object lock = new Object();
  private final Set<Watcher> synced = new LinkedHashSet<>();
  private final Set<Watcher> unsynced = new LinkedHashSet<>();
  private final Set<WatchStream> streams = new CopyOnWriteArraySet<>();
  private final ScheduledExecutorService scheduler;
  private final AtomicBoolean syncQueued = new AtomicBoolean();
  /** the last revision delivered to synced watchers */
  private long notifiedRevision;
  private boolean closed;

  public WatchHub(MvccStore store, Duration progressNotifyInterval) {
    if (progressNotifyInterval.isNegative() || progressNotifyInterval.isZero()) {
      throw new IllegalArgumentException("progress notify interval must be positive: " + progressNotifyInterval);
    }
    this.store = store;
    this.progressNotifyInterval = progressNotifyInterval;
    this.notifiedRevision = store.currentRevision();
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "etcd-fake-watch-sync");
      t.setDaemon(true);
      return t;
    });
    scheduler.scheduleWithFixedDelay(this::syncIfBehind, SYNC_PERIOD_MS, SYNC_PERIOD_MS, TimeUnit.MILLISECONDS);
    store.addCommitListener(rev -> advance());
  }

  /**
   * Watches {@code keys} from {@code startRevision} (0: changes after now; at or below the current
   * revision: history from there, inclusive; above it: from that future revision). A start below the
   * compact revision is canceled at once with the compact revision through the listener.
   */
  public Watcher watch(KeyRange keys, long startRevision, WatchOptions options, WatchListener listener) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("empty key range: " + keys);
    }
    if (startRevision < 0) {
      // etcd 3.5.24 refuses a negative start revision as compacted
      throw EtcdError.COMPACTED.exception();
    }
    Watcher w = new Watcher(this, keys, options, listener);
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("watch hub is closed");
      }
      advanceLocked();
      listener.onCreated(notifiedRevision);
      if (startRevision == 0 || startRevision > notifiedRevision) {
        w.nextRevision = startRevision == 0 ? notifiedRevision + 1 : startRevision;
        w.synced = true;
        synced.add(w);
      } else {
        w.nextRevision = startRevision;
        unsynced.add(w);
      }
    }
    if (!w.synced) {
      requestSync();
    }
    return w;
  }

  /** Open gRPC watch streams. */
  public int streamCount() {
    return streams.size();
  }

  /** Active watchers, of streams and in-process. */
  public int watcherCount() {
    synchronized (lock) {
      return synced.size() + unsynced.size();
    }
  }

  public Duration progressNotifyInterval() {
    return progressNotifyInterval;
  }

  boolean cancel(Watcher w) {
    synchronized (lock) {
      if (!w.active) {
        return false;
      }
      remove(w);
      return true;
    }
  }

  private void remove(Watcher w) {
    w.active = false;
    synced.remove(w);
    unsynced.remove(w);
  }

  /**
   * Runs {@code action} with the current revision if every given watcher is synced (and there is at
   * least one), atomically with respect to event delivery: etcd's progress notification rule.
   */
  boolean whenSynced(Collection<Watcher> watchers, LongConsumer action) {
    synchronized (lock) {
      advanceLocked();
      if (watchers.isEmpty()) {
        return false;
      }
      for (Watcher w : watchers) {
        if (!w.active || !w.synced) {
          return false;
        }
      }
      action.accept(notifiedRevision);
      return true;
    }
  }

  /** The current revision, as the hub has delivered it. */
  long revision() {
    synchronized (lock) {
      advanceLocked();
      return notifiedRevision;
    }
  }

  void register(WatchStream stream) {
    streams.add(stream);
  }

  void unregister(WatchStream stream) {
    streams.remove(stream);
  }

  ScheduledFuture<?> scheduleProgress(Runnable tick) {
    // etcd adds up to 10% jitter to the interval, once per stream
    long nanos = progressNotifyInterval.toNanos();
    long period = nanos + ThreadLocalRandom.current().nextLong(Math.max(1, nanos / 10));
    return scheduler.scheduleAtFixedRate(tick, period, period, TimeUnit.NANOSECONDS);
  }

  /** Asks the sync thread to bring unsynced watchers up to date soon. */
  void requestSync() {
    if (syncQueued.compareAndSet(false, true)) {
      try {
        scheduler.execute(() -> {
          syncQueued.set(false);
          sync();
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        syncQueued.set(false); // closed
      }
    }
  }

  // ------------------------------------------------------------ delivery

  /** From the commit listener: delivers every revision committed since the last call. */
  private void advance() {
    synchronized (lock) {
      advanceLocked();
    }
  }

  /**
   * Delivers revisions notifiedRevision+1..current to synced watchers. Commit listeners of two
   * writers may run in either order, so this reads the revisions from history rather than trusting
   * the revision it was called for.
   */
  private void advanceLocked() {
    if (closed) {
      return;
    }
    long current = store.currentRevision();
    if (synced.isEmpty()) {
      // nobody to deliver to: unsynced watchers read what they need from history themselves
      notifiedRevision = Math.max(notifiedRevision, current);
      return;
    }
    while (notifiedRevision < current) {
      List<Event> changes;
      try {
        changes = store.changes(notifiedRevision + 1, current, READ_CHUNK);
      } catch (EtcdException compacted) {
        // compacted before we got here: synced watchers that still wanted it are canceled
        cancelCompacted(synced, notifiedRevision + 1);
        notifiedRevision = current;
        return;
      }
      if (changes.isEmpty()) {
        notifiedRevision = current;
        return;
      }
      int i = 0;
      while (i < changes.size()) {
        long rev = changes.get(i).revision();
        int end = i;
        while (end < changes.size() && changes.get(end).revision() == rev) {
          end++;
        }
        deliverRevision(rev, changes.subList(i, end));
        notifiedRevision = rev;
        i = end;
      }
    }
  }

  private void deliverRevision(long rev, List<Event> revisionEvents) {
    if (synced.isEmpty()) {
      return;
    }
    // watchers that want every event as it is share one list, so the transport can encode it once
    List<Event> events = List.copyOf(revisionEvents);
    for (Watcher w : new ArrayList<>(synced)) {
      if (!w.active) {
        continue; // canceled by a listener earlier in this round
      }
      if (rev < w.nextRevision) {
        continue; // a watch from a future revision
      }
      List<Event> mine = null;
      int wanted = 0;
      for (Event e : events) {
        if (w.wants(e)) {
          wanted++;
        }
      }
      if (wanted == 0) {
        continue;
      }
      if (wanted == events.size() && !w.options.prevKv()) {
        mine = events;
      } else {
        mine = new ArrayList<>(wanted);
        for (Event e : events) {
          if (w.wants(e)) {
            mine.add(withPrevKv(w, e));
          }
        }
      }
      if (!w.listener.onEvents(rev, mine) && w.active) {
        // too slow now: catch up from history later, from this revision on
        synced.remove(w);
        w.synced = false;
        w.nextRevision = rev;
        unsynced.add(w);
      }
    }
  }

  /** prev_kv: the key's version just before the event, unless compacted (then none, as etcd). */
  private Event withPrevKv(Watcher w, Event e) {
    if (!w.options.prevKv()) {
      return e;
    }
    KeyValue kv = e.kv();
    boolean created = e.type() == Event.Type.PUT && kv.createRevision() == kv.modRevision();
    if (created) {
      return e;
    }
    KeyValue prev = store.get(kv.key(), kv.modRevision() - 1);
    return prev == null ? e : e.withPrevKv(prev);
  }

  private void syncIfBehind() {
    boolean behind;
    synchronized (lock) {
      behind = !unsynced.isEmpty();
    }
    if (behind) {
      sync();
    }
  }

  /** Brings unsynced watchers up to date from history, a batch of revisions per watcher per round. */
  private void sync() {
    try {
      synchronized (lock) {
        advanceLocked();
        if (closed) {
          return;
        }
        for (Watcher w : new ArrayList<>(unsynced)) {
          catchUp(w);
        }
      }
    } catch (RuntimeException e) {
      java.util.logging.Logger.getLogger(WatchHub.class.getName())
          .log(java.util.logging.Level.WARNING, "watch sync failed", e);
    }
  }

  /** One or more batches for one unsynced watcher, until it is synced or its consumer is full. */
  private void catchUp(Watcher w) {
    long target = notifiedRevision;
    while (w.active && !w.synced) {
      if (w.nextRevision < store.compactRevision()) {
        compacted(w);
        return;
      }
      List<Event> batch = new ArrayList<>();
      long more = 0;
      int revisions = 0;
      long lastRev = -1;
      long from = w.nextRevision;
      try {
        scan:
        while (from <= target) {
          List<Event> chunk = store.changes(from, target, READ_CHUNK);
          if (chunk.isEmpty()) {
            break;
          }
          for (Event e : chunk) {
            if (!w.matches(e)) {
              continue;
            }
            if (e.revision() != lastRev) {
              if (revisions == MAX_REVISIONS_PER_BATCH) {
                more = e.revision();
                break scan;
              }
              revisions++;
              lastRev = e.revision();
            }
            if (w.wants(e)) {
              batch.add(withPrevKv(w, e));
            }
          }
          from = chunk.get(chunk.size() - 1).revision() + 1;
        }
      } catch (EtcdException e) {
        compacted(w);
        return;
      }
      if (!batch.isEmpty() && !w.listener.onEvents(target, batch)) {
        return; // stays unsynced at the same revision; retried when its consumer has room
      }
      if (!w.active) {
        return; // its listener canceled it
      }
      if (more != 0) {
        w.nextRevision = more;
        continue;
      }
      w.nextRevision = target + 1;
      w.synced = true;
      unsynced.remove(w);
      synced.add(w);
    }
  }

  private void compacted(Watcher w) {
    remove(w);
    w.listener.onCanceled(store.compactRevision(), "");
  }

  private void cancelCompacted(Set<Watcher> watchers, long neededFrom) {
    for (Watcher w : new ArrayList<>(watchers)) {
      if (w.nextRevision <= neededFrom || w.nextRevision < store.compactRevision()) {
        compacted(w);
      }
    }
  }

  // ------------------------------------------------------------ lifecycle

  /**
   * For {@code EtcdFakeServer.reset()}, called with the store's writer held just after the store was
   * emptied: every watcher is canceled (etcd has no such thing, so the reason says it is the fake's).
   */
  public void reset(String reason) {
    synchronized (lock) {
      List<Watcher> all = new ArrayList<>(synced);
      all.addAll(unsynced);
      for (Watcher w : all) {
        remove(w);
        w.listener.onCanceled(0, reason);
      }
      notifiedRevision = store.currentRevision();
    }
  }

  /** Ends every stream as a stopping etcd does, and the sync thread. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      synced.forEach(w -> w.active = false);
      unsynced.forEach(w -> w.active = false);
      synced.clear();
      unsynced.clear();
    }
    for (WatchStream s : streams) {
      s.terminate();
    }
    scheduler.shutdownNow();
  }
}
