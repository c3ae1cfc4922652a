package io.etcdfake.server.auth;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The merged read or write permissions of one user, answering etcd's two questions: is this key in
 * any permitted interval, and is this whole range covered by the union of permitted intervals.
 *
 * <p>Intervals compare as etcd's "affine" byte strings: an empty bound is greater than every key, so
 * a permission or request ending in {@code "\0"} (or empty, for an interval) runs to the end of the
 * keyspace — and a permission starting at the empty key starts there too, which covers nothing.
 */
final class KeyPermissions {
  private static final ByteString NUL = ByteString.copyFrom(new byte[] {0});

  /** A half-open interval [begin, end) under the affine order. */
  private record Interval(ByteString begin, ByteString end) {
    /** etcd's interval tree test: not wholly left of {@code q}, not right of it (so empty queries can match). */
    boolean overlaps(Interval q) {
      boolean left = compare(begin, q.begin) < 0 && compare(end, q.begin) <= 0;
      boolean right = compare(begin, q.end) >= 0;
      return !left && !right;
    }
  }

  private final List<Interval> intervals = new ArrayList<>();

  /** Adds a permission's interval: a point when it has no range end. */
  void add(ByteString key, ByteString rangeEnd) {
    if (rangeEnd.isEmpty()) {
      intervals.add(point(key));
    } else {
      intervals.add(new Interval(key, rangeEnd.equals(NUL) ? ByteString.EMPTY : rangeEnd));
    }
  }

  /** Whether a request on {@code key .. rangeEnd} (etcd's convention; empty end = the key alone) is permitted. */
  boolean permits(ByteString key, ByteString rangeEnd) {
    if (rangeEnd.isEmpty()) {
      Interval p = point(key);
      return intervals.stream().anyMatch(i -> i.overlaps(p));
    }
    return covers(new Interval(key, rangeEnd.equals(NUL) ? ByteString.EMPTY : rangeEnd));
  }

  /** The permitted intervals overlapping {@code want}, in begin order, must join up and span it. */
  private boolean covers(Interval want) {
    List<Interval> hits = new ArrayList<>();
    for (Interval i : intervals) {
      if (i.overlaps(want)) {
        hits.add(i);
      }
    }
    if (hits.isEmpty()) {
      return false;
    }
    hits.sort(Comparator.comparing(Interval::begin, KeyPermissions::compare));
    ByteString minBegin = hits.get(0).begin();
    ByteString maxEnd = hits.get(0).end();
    for (Interval i : hits.subList(1, hits.size())) {
      if (compare(maxEnd, i.begin()) < 0) {
        return false;
      }
      if (compare(i.end(), maxEnd) > 0) {
        maxEnd = i.end();
      }
    }
    return compare(maxEnd, want.end()) >= 0 && compare(minBegin, want.begin()) <= 0;
  }

  private static Interval point(ByteString key) {
    return new Interval(key, key.concat(NUL));
  }

  /** etcd's affine byte order: bytewise unsigned, the empty string above everything. */
  static int compare(ByteString a, ByteString b) {
    if (a.isEmpty()) {
      return b.isEmpty() ? 0 : 1;
    }
    if (b.isEmpty()) {
      return -1;
    }
    return ByteString.unsignedLexicographicalComparator().compare(a, b);
  }
}
