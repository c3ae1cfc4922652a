package io.etcdfake.server.watch;

import io.etcdfake.server.mvcc.Event;
import java.util.List;

/**
 * Receives what one watcher sees. Called from writer threads and the hub's sync thread, one call at
 * a time per hub and never while the store's writer lock is held; calls must be quick.
 */
public interface WatchListener {
  /** Called once, before any event, with the revision the watch was created at. */
  default void onCreated(long revision) {}

  /**
   * Events of one or more whole revisions, in revision then op order; {@code revision} is the
   * header revision etcd sends with them. Answer false when no more can be taken now: the watcher
   * then falls behind and is brought up to date from history later, starting at these events.
   */
  boolean onEvents(long revision, List<Event> events);

  /**
   * The watch ended by the hub: {@code compactRevision > 0} when history it still needed was
   * compacted away (etcd's compacted watcher), otherwise {@code reason} says why.
   */
  default void onCanceled(long compactRevision, String reason) {}
}
