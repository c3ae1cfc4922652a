package io.etcdfake.server.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.function.Consumer;

/**
 * Every retained version of one key, oldest first, each with its mod revision; a delete is a
 * tombstone entry. Only the store's writer appends or compacts; readers read any revision without
 * locking, through an immutable view published with a volatile write after its entries are in place.
 *
 * <p>Versions are packed, not kept as objects: per version three longs and the value's bytes, and a
 * lease only for keys that ever had one. A {@link KeyValue} is made when a version is read. This
 * keeps a million keys with ten versions each under 1 GiB of heap (objects per version took 1.5 GiB).
 */
final class KeyHistory {
  private static final byte[] NO_BYTES = new byte[0];

  private final ByteString key;
  private volatile View view = EMPTY;

  /**
   * Versions [0, size): {@code revs[3i]} the mod revision, {@code [3i+1]} the create revision,
   * {@code [3i+2]} the version (0 for a tombstone); {@code values[i]} the value, never written to once
   * stored; {@code leases[i]} the lease, or no array while every lease is 0. The arrays may have spare
   * room past size; entries below size never change, so a reader's view stays valid.
   */
  private record View(long[] revs, byte[][] values, long[] leases, int size) {}

  private static final View EMPTY = new View(new long[0], new byte[0][], null, 0);

  KeyHistory(ByteString key) {
    this.key = key;
  }

  ByteString key() {
    return key;
  }

  /** The key's live version at {@code revision}, or null where it did not exist or was deleted. */
  KeyValue at(long revision) {
    View v = view;
    int i = indexAt(v, revision);
    return i < 0 || isTombstone(v, i) ? null : materialize(v, i);
  }

  /** The entry written at exactly {@code revision}, tombstone or not, or null. */
  KeyValue exactlyAt(long revision) {
    View v = view;
    int i = indexAt(v, revision);
    return i < 0 || v.revs[3 * i] != revision ? null : materialize(v, i);
  }

  /** The newest entry, tombstone or not, or null for a history without entries. */
  KeyValue latest() {
    View v = view;
    return v.size == 0 ? null : materialize(v, v.size - 1);
  }

  /** The newest live version, or null when absent or deleted. */
  KeyValue live() {
    View v = view;
    return v.size == 0 || isTombstone(v, v.size - 1) ? null : materialize(v, v.size - 1);
  }

  boolean isEmpty() {
    return view.size == 0;
  }

  /** Every retained entry, oldest first, tombstones included. */
  void forEachVersion(Consumer<KeyValue> action) {
    View v = view;
    for (int i = 0; i < v.size; i++) {
      action.accept(materialize(v, i));
    }
  }

  void append(KeyValue kv) {
    View v = view;
    long[] revs = v.revs;
    byte[][] values = v.values;
    long[] leases = v.leases;
    int size = v.size;
    if (size == values.length) {
      // grow by half: most keys keep few versions, and spare room is heap too
      int capacity = size + (size >> 1) + 1;
      revs = java.util.Arrays.copyOf(revs, 3 * capacity);
      values = java.util.Arrays.copyOf(values, capacity);
      leases = leases == null ? null : java.util.Arrays.copyOf(leases, capacity);
    }
    if (kv.lease() != 0 && leases == null) {
      leases = new long[values.length];
    }
    revs[3 * size] = kv.modRevision();
    revs[3 * size + 1] = kv.createRevision();
    revs[3 * size + 2] = kv.version();
    values[size] = kv.isTombstone() ? null : kv.value().isEmpty() ? NO_BYTES : kv.value().toByteArray();
    if (leases != null) {
      leases[size] = kv.lease();
    }
    view = new View(revs, values, leases, size + 1);
  }

  /** Removes entries with mod revision above {@code revision}: undoes a write that failed half-way. */
  void truncateAfter(long revision) {
    View v = view;
    int to = v.size;
    while (to > 0 && v.revs[3 * (to - 1)] > revision) {
      to--;
    }
    if (to != v.size) {
      // fresh arrays, so a later append cannot overwrite what a reader of the old view sees
      view = slice(v, 0, to);
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
      return v.size == 0;
    }
    int keepFrom = isTombstone(v, i) ? i + 1 : i;
    if (keepFrom > 0) {
      view = slice(v, keepFrom, v.size);
      return keepFrom == v.size;
    }
    return false;
  }

  private static View slice(View v, int from, int to) {
    int size = to - from;
    long[] revs = new long[3 * size];
    System.arraycopy(v.revs, 3 * from, revs, 0, 3 * size);
    byte[][] values = new byte[size][];
    System.arraycopy(v.values, from, values, 0, size);
    long[] leases = null;
    if (v.leases != null) {
      leases = new long[size];
      System.arraycopy(v.leases, from, leases, 0, size);
    }
    return new View(revs, values, leases, size);
  }

  private static boolean isTombstone(View v, int i) {
    return v.revs[3 * i + 2] == 0;
  }

  private KeyValue materialize(View v, int i) {
    long mod = v.revs[3 * i];
    if (isTombstone(v, i)) {
      return KeyValue.tombstone(key, mod);
    }
    byte[] value = v.values[i];
    // the bytes are never changed once stored, so the ByteString can share them
    return new KeyValue(key, v.revs[3 * i + 1], mod, v.revs[3 * i + 2],
        value.length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(value),
        v.leases == null ? 0 : v.leases[i]);
  }

  /** Index of the newest entry with mod revision <= revision, or -1. */
  private static int indexAt(View v, long revision) {
    if (v.size > 0 && v.revs[3 * (v.size - 1)] <= revision) {
      return v.size - 1; // most reads are at the current revision: the newest entry
    }
    int lo = 0;
    int hi = v.size - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (v.revs[3 * mid] <= revision) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
