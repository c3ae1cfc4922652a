package io.etcdfake.server.watch;

import io.etcdfake.server.mvcc.Event;
import io.etcdfake.server.mvcc.KeyRange;

/** One watch on the hub: a handle to cancel it. */
public final class Watcher {
  private final WatchHub hub;
  final KeyRange keys;
  final WatchOptions options;
  final WatchListener listener;
  /** next revision this watcher must see; for a synced watcher, the first revision it wants */
  long nextRevision;
  boolean synced;
  boolean active = true;

  Watcher(WatchHub hub, KeyRange keys, WatchOptions options, WatchListener listener) {
    this.hub = hub;
    this.keys = keys;
    this.options = options;
    this.listener = listener;
  }

  /** Stops the watch; no call reaches the listener after this returns. False if already ended. */
  public boolean cancel() {
    return hub.cancel(this);
  }

  public KeyRange keys() {
    return keys;
  }

  boolean wants(Event e) {
    if (!keys.contains(e.kv().key())) {
      return false;
    }
    return e.type() == Event.Type.PUT ? !options.noPut() : !options.noDelete();
  }

  boolean matches(Event e) {
    return keys.contains(e.kv().key());
  }
}
