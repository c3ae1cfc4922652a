package io.etcdfake.server.mvcc;

import java.util.List;

/**
 * What the store retains, as etcd's backend would hold it: every retained version (tombstones
 * included) and the bytes of their keys and values. Kept up to date by each commit and compaction,
 * so the space quota and Status read it without walking the store.
 */
public record Footprint(long versions, long bytes) {
  public static final Footprint EMPTY = new Footprint(0, 0);

  Footprint plus(List<KeyValue> kvs) {
    long added = 0;
    for (KeyValue kv : kvs) {
      added += bytesOf(kv);
    }
    return new Footprint(versions + kvs.size(), bytes + added);
  }

  static long bytesOf(KeyValue kv) {
    return kv.key().size() + kv.value().size();
  }
}
