package io.etcdfake.server.mvcc;

import com.google.protobuf.ByteString;

/**
 * One compare of a txn, as etcd's {@code Compare}. {@code number} and {@code value} hold the
 * operand only when the request's target_union matched the target; otherwise they are 0 / empty,
 * which is what etcd compares against then.
 */
public record Comparison(ByteString key, ByteString rangeEnd, Target target, Result result, long number, ByteString value) {

  public enum Target {
    VERSION,
    CREATE,
    MOD,
    VALUE,
    LEASE,
    /** a target number etcd does not know: every key compares as equal */
    UNKNOWN
  }

  public enum Result {
    EQUAL,
    GREATER,
    LESS,
    NOT_EQUAL,
    /** a result number etcd does not know: the compare passes */
    UNKNOWN
  }

  /** True when every key in the range passes; a VALUE compare on no key fails, others compare to 0. */
  boolean holdsFor(java.util.List<KeyValue> kvs) {
    if (kvs.isEmpty()) {
      return target != Target.VALUE && holds(null);
    }
    for (KeyValue kv : kvs) {
      if (!holds(kv)) {
        return false;
      }
    }
    return true;
  }

  private boolean holds(KeyValue kv) {
    int cmp =
        switch (target) {
          case VALUE -> KeyRange.ORDER.compare(kv == null ? ByteString.EMPTY : kv.value(), value);
          case CREATE -> Long.compare(kv == null ? 0 : kv.createRevision(), number);
          case MOD -> Long.compare(kv == null ? 0 : kv.modRevision(), number);
          case VERSION -> Long.compare(kv == null ? 0 : kv.version(), number);
          case LEASE -> Long.compare(kv == null ? 0 : kv.lease(), number);
          case UNKNOWN -> 0;
        };
    return switch (result) {
      case EQUAL -> cmp == 0;
      case NOT_EQUAL -> cmp != 0;
      case GREATER -> cmp > 0;
      case LESS -> cmp < 0;
      case UNKNOWN -> true;
    };
  }
}
