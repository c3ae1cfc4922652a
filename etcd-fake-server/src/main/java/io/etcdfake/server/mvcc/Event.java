package io.etcdfake.server.mvcc;

/**
 * One change at one revision, as a watcher receives it. A DELETE carries only the key and the
 * delete revision, as etcd sends it; {@code prevKv} is filled only where it was asked for and is
 * still retained.
 */
public record Event(Type type, KeyValue kv, KeyValue prevKv) {
  public enum Type {
    PUT,
    DELETE
  }

  static Event of(KeyValue change) {
    return new Event(change.isTombstone() ? Type.DELETE : Type.PUT, change, null);
  }

  public Event withPrevKv(KeyValue prev) {
    return new Event(type, kv, prev);
  }

  public long revision() {
    return kv.modRevision();
  }
}
