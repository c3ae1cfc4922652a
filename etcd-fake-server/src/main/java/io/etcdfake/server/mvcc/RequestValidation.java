package io.etcdfake.server.mvcc;

import com.google.protobuf.ByteString;
import io.etcdfake.server.errors.EtcdError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks etcd makes on a request before it reaches the store (etcd's v3rpc/key.go), in etcd's
 * order, so that a bad request gets the same error as from etcd.
 */
final class RequestValidation {
  private RequestValidation() {}

  static void checkRange(Op.Range r) {
    if (r.key().isEmpty()) {
      throw EtcdError.KEY_NOT_PROVIDED.exception();
    }
    // etcd 3.5 refuses enum numbers it does not know (3.4 did not check)
    if (r.sortOrder() < Op.Range.SORT_NONE || r.sortOrder() > Op.Range.SORT_DESCEND
        || r.sortTarget() < Op.Range.TARGET_KEY || r.sortTarget() > Op.Range.TARGET_VALUE) {
      throw EtcdError.INVALID_SORT_OPTION.exception();
    }
  }

  static void checkPut(Op.Put p) {
    if (p.key().isEmpty()) {
      throw EtcdError.KEY_NOT_PROVIDED.exception();
    }
    if (p.ignoreValue() && !p.value().isEmpty()) {
      throw EtcdError.VALUE_PROVIDED.exception();
    }
    if (p.ignoreLease() && p.lease() != 0) {
      throw EtcdError.LEASE_PROVIDED.exception();
    }
  }

  static void checkDelete(Op.DeleteRange d) {
    if (d.key().isEmpty()) {
      throw EtcdError.KEY_NOT_PROVIDED.exception();
    }
  }

  /** Everything etcd checks of a txn before running it: sizes, keys, and overlapping writes. */
  static void checkTxn(Op.Txn t, int maxTxnOps) {
    checkTxnOps(t, maxTxnOps);
    // overlaps are checked last, after the cheap checks, as etcd does
    checkIntervals(t.success());
    checkIntervals(t.failure());
  }

  private static void checkTxnOps(Op.Txn t, int maxTxnOps) {
    int ops = Math.max(t.compare().size(), Math.max(t.success().size(), t.failure().size()));
    if (ops > maxTxnOps) {
      throw EtcdError.TOO_MANY_OPS.exception();
    }
    for (Comparison c : t.compare()) {
      if (c.key().isEmpty()) {
        throw EtcdError.KEY_NOT_PROVIDED.exception();
      }
    }
    for (Op op : t.success()) {
      checkOp(op, maxTxnOps - ops);
    }
    for (Op op : t.failure()) {
      checkOp(op, maxTxnOps - ops);
    }
  }

  private static void checkOp(Op op, int maxTxnOps) {
    if (op instanceof Op.Range r) {
      checkRange(r);
    } else if (op instanceof Op.Put p) {
      checkPut(p);
    } else if (op instanceof Op.DeleteRange d) {
      checkDelete(d);
    } else if (op instanceof Op.Txn t) {
      checkTxnOps(t, maxTxnOps);
    } else {
      throw EtcdError.KEY_NOT_FOUND.exception();
    }
  }

  /** A delete's interval [key, end) compared byte-wise as etcd's interval tree does ("\0" is not special). */
  private record Interval(ByteString begin, ByteString end) {
    boolean contains(ByteString k) {
      return KeyRange.ORDER.compare(begin, k) <= 0 && KeyRange.ORDER.compare(k, end) < 0;
    }
  }

  private record Writes(Set<ByteString> puts, List<Interval> deletes) {
    boolean deletes(ByteString key) {
      for (Interval d : deletes) {
        if (d.contains(key)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Two puts of one key, or a put inside a delete, in one list of ops (reaching into nested txns)
   * are refused. The then and else branches of one nested txn may put the same key: only one runs.
   */
  private static Writes checkIntervals(List<Op> ops) {
    List<Interval> deletes = new ArrayList<>();
    for (Op op : ops) {
      if (op instanceof Op.DeleteRange d) {
        ByteString end = d.rangeEnd().isEmpty() ? d.key().concat(ByteString.copyFrom(new byte[] {0})) : d.rangeEnd();
        deletes.add(new Interval(d.key(), end));
      }
    }
    Writes writes = new Writes(new HashSet<>(), deletes);
    for (Op op : ops) {
      if (op instanceof Op.Txn t) {
        Writes then = checkIntervals(t.success());
        Writes otherwise = checkIntervals(t.failure());
        for (ByteString k : then.puts()) {
          if (writes.puts().contains(k) || writes.deletes(k)) {
            throw EtcdError.DUPLICATE_KEY.exception();
          }
          writes.puts().add(k);
        }
        for (ByteString k : otherwise.puts()) {
          if ((writes.puts().contains(k) && !then.puts().contains(k)) || writes.deletes(k)) {
            throw EtcdError.DUPLICATE_KEY.exception();
          }
          writes.puts().add(k);
        }
        deletes.addAll(then.deletes());
        deletes.addAll(otherwise.deletes());
      }
    }
    for (Op op : ops) {
      if (op instanceof Op.Put p) {
        if (writes.puts().contains(p.key()) || writes.deletes(p.key())) {
          throw EtcdError.DUPLICATE_KEY.exception();
        }
        writes.puts().add(p.key());
      }
    }
    return writes;
  }

  /** etcd serves a txn without raft (and without the request size limit) when it only reads. */
  static boolean isReadOnly(Op.Txn t) {
    for (Op op : t.success()) {
      if (!(op instanceof Op.Range)) {
        return false;
      }
    }
    for (Op op : t.failure()) {
      if (!(op instanceof Op.Range)) {
        return false;
      }
    }
    return true;
  }
}
