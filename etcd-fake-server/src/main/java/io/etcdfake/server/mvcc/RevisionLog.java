package io.etcdfake.server.mvcc;

import java.util.ArrayList;
import java.util.List;

/**
 * The changes of each committed revision in order, the store's history read by revision rather
 * than by key (what etcd keeps in its backend, keyed by revision). Watchers replay from it and
 * catch up through it, so nothing is queued per watcher. Appended by the store's writer only; read
 * without locking through an immutable view.
 */
final class RevisionLog {
  /**
   * slots[i] holds revision firstRevision + i: the history of the key it changed, or a KeyHistory[] for a
   * multi-change revision, whose entries at that revision are the changes (no object per change kept
   * twice); or, for revisions loaded by {@link #append}, a KeyValue or a KeyValue[].
   */
  private record View(Object[] slots, long firstRevision, int count) {}

  private volatile View view;

  RevisionLog(long firstRevision) {
    view = new View(new Object[64], firstRevision, 0);
  }

  /** Appends the changes of the revision after the last one; every committed revision has at least one. */
  void append(List<KeyValue> changes) {
    appendSlot(changes.size() == 1 ? changes.get(0) : changes.toArray(new KeyValue[0]));
  }

  /** Appends the revision after the last one by the histories it changed, in change order. */
  void appendHistories(List<KeyHistory> changed) {
    appendSlot(changed.size() == 1 ? changed.get(0) : changed.toArray(new KeyHistory[0]));
  }

  private void appendSlot(Object slot) {
    View v = view;
    Object[] slots = v.slots;
    if (v.count == slots.length) {
      Object[] grown = new Object[slots.length * 2];
      System.arraycopy(slots, 0, grown, 0, v.count);
      slots = grown;
    }
    slots[v.count] = slot;
    view = new View(slots, v.firstRevision, v.count + 1);
  }

  /** The oldest revision still held. */
  long firstRevision() {
    return view.firstRevision;
  }

  /**
   * The changes of revisions {@code from..to} (inclusive) in revision order, then op order, or fewer
   * when {@code max} is reached at a revision boundary (a revision is never split).
   */
  List<KeyValue> changes(long from, long to, int max) {
    View v = view;
    List<KeyValue> out = new ArrayList<>();
    long start = Math.max(from, v.firstRevision);
    long end = Math.min(to, v.firstRevision + v.count - 1);
    for (long rev = start; rev <= end; rev++) {
      Object slot = v.slots[(int) (rev - v.firstRevision)];
      if (slot instanceof KeyHistory h) {
        addChange(out, h, rev);
      } else if (slot instanceof KeyHistory[] hs) {
        for (KeyHistory h : hs) {
          addChange(out, h, rev);
        }
      } else if (slot instanceof KeyValue kv) {
        out.add(kv);
      } else if (slot != null) {
        for (KeyValue kv : (KeyValue[]) slot) {
          out.add(kv);
        }
      }
      if (out.size() >= max) {
        break;
      }
    }
    return out;
  }

  /** A history no longer holds its change at a compacted revision (a delete there): nothing to add then. */
  private static void addChange(List<KeyValue> out, KeyHistory h, long rev) {
    KeyValue kv = h.exactlyAt(rev);
    if (kv != null) {
      out.add(kv);
    }
  }

  /**
   * Forgets revisions below {@code revision}, and the deletes at it: after compaction etcd keeps, for
   * each key, only its newest version at or below the compact revision, and no tombstone there.
   */
  void compact(long revision) {
    View v = view;
    if (revision < v.firstRevision) {
      return;
    }
    int drop = (int) Math.min(v.count, revision - v.firstRevision);
    int kept = v.count - drop;
    Object[] slots = new Object[Math.max(64, Integer.highestOneBit(Math.max(1, kept)) * 2)];
    System.arraycopy(v.slots, drop, slots, 0, kept);
    if (kept > 0 && revision == v.firstRevision + drop) {
      slots[0] = withoutDeletes(slots[0]);
    }
    view = new View(slots, v.firstRevision + drop, kept);
  }

  private static Object withoutDeletes(Object slot) {
    if (slot instanceof KeyHistory || slot instanceof KeyHistory[]) {
      // the histories were compacted first and no longer hold the deletes at the compact revision
      return slot;
    }
    if (slot instanceof KeyValue kv) {
      return kv.isTombstone() ? null : kv;
    }
    if (slot == null) {
      return null;
    }
    List<KeyValue> puts = new ArrayList<>();
    for (KeyValue kv : (KeyValue[]) slot) {
      if (!kv.isTombstone()) {
        puts.add(kv);
      }
    }
    return puts.isEmpty() ? null : puts.toArray(new KeyValue[0]);
  }
}
