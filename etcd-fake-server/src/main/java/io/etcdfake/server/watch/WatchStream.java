package io.etcdfake.server.watch;

import com.google.protobuf.ByteString;
import io.etcdfake.server.mvcc.Event;
import io.etcdfake.server.mvcc.KeyRange;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

/**
 * One client's watch stream (etcd's serverWatchStream): watch ids, create / cancel / progress
 * requests, and a bounded queue of responses drained as fast as the transport takes them. When the
 * queue is full a watcher is left behind and the hub catches it up from history later, so a client
 * that does not read costs at most {@link #MAX_QUEUED_EVENT_REPLIES} responses.
 */
public final class WatchStream {
  /** etcd's chanBufLen: event responses buffered per stream */
  static final int MAX_QUEUED_EVENT_REPLIES = 128;
  static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";
  static final String EMPTY_RANGE = "mvcc: watcher range is empty";
  static final String NEGATIVE_REVISION = "etcdserver: mvcc: required revision has been compacted";
  /** clientv3.InvalidWatchID */
  static final long INVALID_ID = -1;
  private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

  /** Where responses go: the transport of one stream. */
  public interface Sink {
    /** True when the transport takes a response without buffering it. */
    boolean isReady();

    void send(WatchReply reply);

    /** Ends the stream as a stopping server does. */
    void terminate();
  }

  /** A create request, fields as etcd's WatchCreateRequest. */
  public record Create(
      ByteString key,
      ByteString rangeEnd,
      long startRevision,
      long watchId,
      boolean progressNotify,
      boolean fragment,
      WatchOptions options) {}

  private final WatchHub hub;
  private final Sink sink;
  private final Map<Long, Entry> entries = new LinkedHashMap<>();
  private final ArrayDeque<WatchReply> queue = new ArrayDeque<>();
  private int queuedEventReplies;
  private long nextId;
  private boolean starved;
  private boolean closed;
  private ScheduledFuture<?> progressTicker;

  /** One watcher of this stream. */
  private final class Entry implements WatchListener {
    final long id;
    final boolean progressNotify;
    final boolean fragment;
    Watcher watcher;
    /** etcd's progress[id]: true when no event went out since the last tick */
    boolean progressDue = true;

    Entry(long id, boolean progressNotify, boolean fragment) {
      this.id = id;
      this.progressNotify = progressNotify;
      this.fragment = fragment;
    }

    @Override
    public void onCreated(long revision) {
      enqueue(WatchReply.control(id, revision, true, false, ""));
    }

    @Override
    public boolean onEvents(long revision, List<Event> events) {
      synchronized (WatchStream.this) {
        if (closed) {
          return true;
        }
        if (queuedEventReplies >= MAX_QUEUED_EVENT_REPLIES) {
          starved = true;
          return false;
        }
        queuedEventReplies++;
        progressDue = false;
        queue.add(new WatchReply(id, revision, false, false, 0, "", events, fragment));
        drain();
        return true;
      }
    }

    @Override
    public void onCanceled(long compactRevision, String reason) {
      synchronized (WatchStream.this) {
        entries.remove(id);
        // a compaction cancel has no header revision in etcd; other cancels carry the current one
        enqueue(new WatchReply(id, compactRevision > 0 ? 0 : hub.revision(), false, true,
            compactRevision, reason, List.of(), false));
      }
    }
  }

  WatchStream(WatchHub hub, Sink sink) {
    this.hub = hub;
    this.sink = sink;
  }

  /** Opens a stream on the hub for a new client stream. */
  public static WatchStream open(WatchHub hub, Sink sink) {
    WatchStream s = new WatchStream(hub, sink);
    hub.register(s);
    return s;
  }

  /** A create request: registers a watcher, or answers created+canceled with etcd's reason. */
  public void create(Create c) {
    // etcd: an empty key is "\0", the smallest key; range_end "\0" means every key from key on
    ByteString key = c.key().isEmpty() ? ZERO : c.key();
    KeyRange keys = KeyRange.of(key, c.rangeEnd());
    long id;
    // read before taking this stream's lock: the hub's lock always comes first
    long revision = hub.revision();
    synchronized (this) {
      if (closed) {
        return;
      }
      String error = null;
      if (!keys.isSingleKey() && !keys.isOpenEnded() && keys.isEmpty()) {
        error = EMPTY_RANGE;
      } else if (c.watchId() != 0 && entries.containsKey(c.watchId())) {
        error = DUPLICATE_ID;
      } else if (c.startRevision() < 0) {
        error = NEGATIVE_REVISION;
      }
      if (error != null) {
        enqueue(WatchReply.control(INVALID_ID, revision, true, true, error));
        return;
      }
      if (c.watchId() == 0) {
        while (entries.containsKey(nextId)) {
          nextId++;
        }
        id = nextId++;
      } else {
        id = c.watchId();
      }
      entries.put(id, new Entry(id, c.progressNotify(), c.fragment()));
      if (c.progressNotify() && progressTicker == null) {
        progressTicker = hub.scheduleProgress(this::progressTick);
      }
    }
    Entry e = entries.get(id);
    // outside this stream's lock: the hub calls back into it (hub lock, then stream lock)
    Watcher w;
    try {
      w = hub.watch(keys, c.startRevision(), c.options(), e);
    } catch (IllegalStateException hubClosed) {
      return;
    }
    synchronized (this) {
      e.watcher = w;
    }
  }

  /** A create request refused before it is looked at (auth): created and canceled with {@code reason}. */
  public void refuse(String reason) {
    long revision = hub.revision();
    synchronized (this) {
      if (!closed) {
        enqueue(WatchReply.control(INVALID_ID, revision, true, true, reason));
      }
    }
  }

  /** A cancel request: etcd answers a known id with canceled=true and nothing for an unknown one. */
  public void cancel(long watchId) {
    Entry e;
    synchronized (this) {
      e = entries.get(watchId);
      if (e == null || closed) {
        return;
      }
    }
    if (e.watcher.cancel()) {
      long revision = hub.revision();
      synchronized (this) {
        entries.remove(watchId);
        enqueue(WatchReply.control(watchId, revision, false, true, ""));
      }
    }
  }

  /**
   * WatchProgressRequest, etcd 3.5.8+: one response with id -1 and the current revision if every
   * watcher of the stream is synced; nothing otherwise, nor when there is no watcher.
   */
  public void requestProgress() {
    List<Watcher> watchers = watchers();
    hub.whenSynced(watchers, rev -> enqueue(WatchReply.control(INVALID_ID, rev, false, false, "")));
  }

  private synchronized List<Watcher> watchers() {
    List<Watcher> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (e.watcher != null) {
        out.add(e.watcher);
      }
    }
    return out;
  }

  /** etcd's progress ticker: a notification for each progress watcher that got no event since the last tick. */
  private void progressTick() {
    List<Entry> due = new ArrayList<>();
    synchronized (this) {
      for (Entry e : entries.values()) {
        if (e.progressNotify) {
          if (e.progressDue && e.watcher != null) {
            due.add(e);
          }
          e.progressDue = true;
        }
      }
    }
    for (Entry e : due) {
      hub.whenSynced(List.of(e.watcher), rev -> enqueue(WatchReply.control(e.id, rev, false, false, "")));
    }
  }

  /** Sends what the transport takes now; when room frees up, lets left-behind watchers catch up. */
  public synchronized void drain() {
    while (!queue.isEmpty() && !closed && sink.isReady()) {
      WatchReply r = queue.poll();
      if (!r.events().isEmpty()) {
        queuedEventReplies--;
      }
      sink.send(r);
    }
    if (starved && queuedEventReplies < MAX_QUEUED_EVENT_REPLIES / 2) {
      starved = false;
      hub.requestSync();
    }
  }

  /** Control responses (created, canceled, progress) always queue: they are bounded by the client's requests. */
  private synchronized void enqueue(WatchReply r) {
    if (closed) {
      return;
    }
    queue.add(r);
    drain();
  }

  /** The client went away: its watchers end, nothing more is sent. */
  public void close() {
    List<Watcher> watchers;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      queue.clear();
      watchers = new ArrayList<>();
      for (Entry e : entries.values()) {
        if (e.watcher != null) {
          watchers.add(e.watcher);
        }
      }
      entries.clear();
      if (progressTicker != null) {
        progressTicker.cancel(false);
      }
    }
    watchers.forEach(Watcher::cancel);
    hub.unregister(this);
  }

  /** The server stops: the stream ends with the transport's shutdown error. */
  void terminate() {
    synchronized (this) {
      if (closed) {
        return;
      }
      sink.terminate();
    }
    close();
  }

  synchronized int watcherCount() {
    return entries.size();
  }
}
