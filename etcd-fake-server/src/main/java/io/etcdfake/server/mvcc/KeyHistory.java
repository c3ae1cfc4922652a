package io.etcdfake.server.mvcc;

import com.google.protobuf.ByteString;

/**
 * Every retained version of one key, oldest first, each with its mod revision; a delete is a
 * tombstone entry. Only the store's writer appends or compacts; readers read any revision without
 * locking, through an immutable view published with a volatile write after its entries are in place.
 */
final class KeyHistory {
  private final ByteString key;
  private volatile View view;

  /** entries[from, to) are the versions; the array may have spare room at the end. */
  private record View(KeyValue[] entries, int from, int to) {}

  KeyHistory(ByteString key) {
    this.key = key;
    this.view = new View(new KeyValue[2], 0, 0);
  }

  ByteString key() {
    return key;
  }

  /** The key's live version at {@code revision}, or null where it did not exist or was deleted. */
  KeyValue at(long revision) {
    View v = view;
    int i = indexAt(v, revision);
    if (i < 0) {
      return null;
    }
    KeyValue kv = v.entries[i];
    return kv.isTombstone() ? null : kv;
  }

  /** The newest entry, tombstone or not, or null for a history without entries. */
  KeyValue latest() {
    View v = view;
    return v.to == v.from ? null : v.entries[v.to - 1];
  }

  /** The newest live version, or null when absent or deleted. */
  KeyValue live() {
    KeyValue kv = latest();
    return kv == null || kv.isTombstone() ? null : kv;
  }

  boolean isEmpty() {
    View v = view;
    return v.to == v.from;
  }

  /** Every retained entry, oldest first, tombstones included. */
  void forEachVersion(java.util.function.Consumer<KeyValue> action) {
    View v = view;
    for (int i = v.from; i < v.to; i++) {
      action.accept(v.entries[i]);
    }
  }

  void append(KeyValue kv) {
    View v = view;
    KeyValue[] entries = v.entries;
    int from = v.from;
    int to = v.to;
    if (to == entries.length) {
      int size = to - from;
      KeyValue[] grown = new KeyValue[Math.max(4, size * 2)];
      System.arraycopy(entries, from, grown, 0, size);
      entries = grown;
      from = 0;
      to = size;
    }
    entries[to] = kv;
    view = new View(entries, from, to + 1);
  }

  /** Removes entries with mod revision above {@code revision}: undoes a write that failed half-way. */
  void truncateAfter(long revision) {
    View v = view;
    int to = v.to;
    while (to > v.from && v.entries[to - 1].modRevision() > revision) {
      to--;
    }
    if (to != v.to) {
      // a fresh array, so a later append cannot overwrite what a reader of the old view sees
      KeyValue[] kept = new KeyValue[Math.max(2, to - v.from)];
      System.arraycopy(v.entries, v.from, kept, 0, to - v.from);
      view = new View(kept, 0, to - v.from);
    }
  }

  /**
   * Drops what no read at or after {@code revision} can see: every version older than the newest one
   * at or below it, and that one too when it is a tombstone. Returns true when nothing is left.
   */
  boolean compact(long revision) {
    View v = view;
    int i = indexAt(v, revision);
    if (i < 0) {
      return v.to == v.from;
    }
    int keepFrom = v.entries[i].isTombstone() ? i + 1 : i;
    if (keepFrom > v.from) {
      int size = v.to - keepFrom;
      KeyValue[] kept = new KeyValue[Math.max(2, size)];
      System.arraycopy(v.entries, keepFrom, kept, 0, size);
      view = new View(kept, 0, size);
      return size == 0;
    }
    return false;
  }

  /** Index of the newest entry with mod revision <= revision, or -1. */
  private static int indexAt(View v, long revision) {
    int lo = v.from;
    int hi = v.to - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (v.entries[mid].modRevision() <= revision) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
