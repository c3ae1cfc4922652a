package io.etcdfake.server.mvcc;

import java.util.List;

/**
 * Everything the store holds, as etcd's backend holds it: every retained version of every key
 * (tombstones included) in backend order, that is by revision and then by sub-revision, the
 * change's position within its revision. What snapshots save and restore, and what HashKV hashes.
 */
public record MvccState(long currentRevision, long compactRevision, List<Entry> entries) {
  public MvccState {
    entries = List.copyOf(entries);
  }

  /** One retained version: {@code kv.modRevision()} and {@code sub} are its place in etcd's backend. */
  public record Entry(KeyValue kv, int sub) {}
}
