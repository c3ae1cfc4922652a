package io.etcdfake.server.watch;

import io.etcdfake.server.mvcc.Event;
import java.util.List;

/**
 * One response on a watch stream, as etcd's WatchResponse: {@code revision} is the header revision
 * (0 on a compaction cancel, as etcd sends it); {@code fragmentable} when the watcher asked for
 * large responses to be split.
 */
public record WatchReply(
    long watchId,
    long revision,
    boolean created,
    boolean canceled,
    long compactRevision,
    String cancelReason,
    List<Event> events,
    boolean fragmentable) {

  static WatchReply control(long watchId, long revision, boolean created, boolean canceled, String reason) {
    return new WatchReply(watchId, revision, created, canceled, 0, reason, List.of(), false);
  }
}
