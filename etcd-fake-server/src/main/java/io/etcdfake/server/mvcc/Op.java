package io.etcdfake.server.mvcc;

import com.google.protobuf.ByteString;
import java.util.List;

/** A request to the store, as etcd's {@code RequestOp}: a range, a put, a delete or a nested txn. */
public sealed interface Op {

  /** A read. Sort order and target are etcd's enum numbers, kept raw so unknown values can be refused. */
  record Range(
      ByteString key,
      ByteString rangeEnd,
      long limit,
      long revision,
      int sortOrder,
      int sortTarget,
      boolean serializable,
      boolean keysOnly,
      boolean countOnly,
      long minModRevision,
      long maxModRevision,
      long minCreateRevision,
      long maxCreateRevision)
      implements Op {

    public static final int SORT_NONE = 0;
    public static final int SORT_ASCEND = 1;
    public static final int SORT_DESCEND = 2;
    public static final int TARGET_KEY = 0;
    public static final int TARGET_VERSION = 1;
    public static final int TARGET_CREATE = 2;
    public static final int TARGET_MOD = 3;
    public static final int TARGET_VALUE = 4;

    /** A plain read of {@code key .. rangeEnd} at the latest revision. */
    public static Range of(ByteString key, ByteString rangeEnd) {
      return new Range(key, rangeEnd, 0, 0, SORT_NONE, TARGET_KEY, false, false, false, 0, 0, 0, 0);
    }

    KeyRange keys() {
      return KeyRange.of(key, rangeEnd);
    }
  }

  record Put(ByteString key, ByteString value, long lease, boolean prevKv, boolean ignoreValue, boolean ignoreLease)
      implements Op {
    public static Put of(ByteString key, ByteString value) {
      return new Put(key, value, 0, false, false, false);
    }
  }

  record DeleteRange(ByteString key, ByteString rangeEnd, boolean prevKv) implements Op {
    KeyRange keys() {
      return KeyRange.of(key, rangeEnd);
    }
  }

  /** An empty {@code RequestOp}: etcd refuses it with "key not found". */
  record Empty() implements Op {}

  record Txn(List<Comparison> compare, List<Op> success, List<Op> failure) implements Op {}
}
