package io.etcdfake.server.watch;

/**
 * What a watcher wants besides its keys: the previous version with each event (etcd's prev_kv) and
 * etcd's two server-side filters, NOPUT and NODELETE.
 */
public record WatchOptions(boolean prevKv, boolean noPut, boolean noDelete) {
  public static final WatchOptions DEFAULT = new WatchOptions(false, false, false);

  public WatchOptions withPrevKv() {
    return new WatchOptions(true, noPut, noDelete);
  }
}
