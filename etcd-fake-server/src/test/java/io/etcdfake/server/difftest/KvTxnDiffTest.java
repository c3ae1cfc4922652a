package io.etcdfake.server.difftest;

import static io.etcd.jetcd.api.Compare.CompareResult.EQUAL;
import static io.etcd.jetcd.api.Compare.CompareResult.GREATER;
import static io.etcd.jetcd.api.Compare.CompareResult.LESS;
import static io.etcd.jetcd.api.Compare.CompareResult.NOT_EQUAL;
import static io.etcdfake.server.difftest.Kv.all;
import static io.etcdfake.server.difftest.Kv.compare;
import static io.etcdfake.server.difftest.Kv.created;
import static io.etcdfake.server.difftest.Kv.delete;
import static io.etcdfake.server.difftest.Kv.deletePrefix;
import static io.etcdfake.server.difftest.Kv.get;
import static io.etcdfake.server.difftest.Kv.modified;
import static io.etcdfake.server.difftest.Kv.op;
import static io.etcdfake.server.difftest.Kv.prefix;
import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Kv.txn;
import static io.etcdfake.server.difftest.Kv.value;
import static io.etcdfake.server.difftest.Kv.version;
import static io.etcdfake.server.difftest.Scenario.rev;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.Compare.CompareResult;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import org.junit.jupiter.api.Test;

/** Txn: compares, branches, nesting, sub-response headers, validation and the errors of the chosen path. */
@Differential
class KvTxnDiffTest {
  private static final CompareResult[] RESULTS = {EQUAL, GREATER, LESS, NOT_EQUAL};

  /** a: version 2, created at 2, modified at 3, value "m"; b/1 and b/2 created at 4 and 5. */
  private static void fill(Scenario s) {
    s.put(put("a", "k"));
    s.put(put("a", "m"));
    s.put(put("b/1", "x"));
    s.put(put("b/2", "y"));
  }

  private static TxnRequest.Builder ifThenElse(Compare.Builder c) {
    return txn().addCompare(c).addSuccess(op(get("a"))).addFailure(op(get("b/1")));
  }

  @Test
  void everyTargetAndResultOnAKey(Scenario s) {
    fill(s);
    for (CompareResult r : RESULTS) {
      for (long n = 1; n <= 3; n++) {
        s.txn(ifThenElse(version("a", r, n)));
      }
      for (long n = 1; n <= 4; n++) {
        s.txn(ifThenElse(created("a", r, rev(n))));
        s.txn(ifThenElse(modified("a", r, rev(n))));
      }
      for (String v : new String[] {"", "l", "m", "mm", "n"}) {
        s.txn(ifThenElse(value("a", r, v)));
      }
      s.txn(ifThenElse(lease("a", r, 0)));
      s.txn(ifThenElse(lease("a", r, 12345)));
    }
  }

  /** jetcd's proto has no LEASE target (4) nor its operand field (8): build them by number. */
  private static Compare.Builder lease(String key, CompareResult r, long lease) {
    Compare.Builder c = compare(key, r).setTargetValue(4);
    if (lease != 0) {
      c.setUnknownFields(UnknownFieldSet.newBuilder()
          .addField(8, UnknownFieldSet.Field.newBuilder().addVarint(lease).build()).build());
    }
    return c;
  }

  @Test
  void comparesOverARangeNeedEveryKeyToPass(Scenario s) {
    fill(s);
    for (CompareResult r : RESULTS) {
      s.txn(ifThenElse(version("b/", r, 1).setRangeEnd(Kv.prefixEnd("b/"))));
      s.txn(ifThenElse(created("b/", r, rev(4)).setRangeEnd(Kv.prefixEnd("b/"))));
      s.txn(ifThenElse(value("b/", r, "x").setRangeEnd(Kv.prefixEnd("b/"))));
      s.txn(ifThenElse(modified("a", r, rev(3)).setRangeEnd(Kv.bytes(Kv.FROM_KEY))));
      s.txn(ifThenElse(version("c", r, 0).setRangeEnd(Kv.bytes("d"))));
      s.txn(ifThenElse(version("b", r, 0).setRangeEnd(Kv.bytes("a"))));
    }
  }

  @Test
  void comparesOnMissingKeys(Scenario s) {
    fill(s);
    for (CompareResult r : RESULTS) {
      s.txn(ifThenElse(version("missing", r, 0)));
      s.txn(ifThenElse(created("missing", r, 0)));
      s.txn(ifThenElse(modified("missing", r, 0)));
      s.txn(ifThenElse(value("missing", r, "")));
      s.txn(ifThenElse(lease("missing", r, 0)));
      s.txn(ifThenElse(version("missing", r, 1)));
    }
  }

  @Test
  void mismatchedTargetUnionComparesWithZero(Scenario s) {
    fill(s);
    for (CompareResult r : RESULTS) {
      s.txn(ifThenElse(compare("a", r).setTarget(Compare.CompareTarget.MOD).setVersion(2)));
      s.txn(ifThenElse(compare("a", r).setTarget(Compare.CompareTarget.VERSION).setModRevision(rev(3))));
      s.txn(ifThenElse(compare("a", r).setTarget(Compare.CompareTarget.VALUE).setCreateRevision(rev(2))));
      s.txn(ifThenElse(compare("a", r).setTarget(Compare.CompareTarget.CREATE).setValue(Kv.bytes("m"))));
      s.txn(ifThenElse(compare("a", r).setTarget(Compare.CompareTarget.VERSION)));
    }
  }

  @Test
  void unknownTargetAndResultNumbers(Scenario s) {
    fill(s);
    s.txn(ifThenElse(compare("a", EQUAL).setTargetValue(9).setVersion(5)));
    s.txn(ifThenElse(compare("a", EQUAL).setTargetValue(-1)));
    s.txn(ifThenElse(version("a", EQUAL, 99).setResultValue(7)));
    s.txn(ifThenElse(value("missing", EQUAL, "x").setResultValue(7)));
  }

  @Test
  void comparesAreAndedAndEmptyComparesSucceed(Scenario s) {
    fill(s);
    s.txn(txn().addSuccess(op(put("c", "1"))).addFailure(op(put("d", "1"))));
    s.txn(txn().addCompare(version("a", EQUAL, 2)).addCompare(version("b/1", EQUAL, 1))
        .addSuccess(op(get("a"))).addFailure(op(get("b/1"))));
    s.txn(txn().addCompare(version("a", EQUAL, 2)).addCompare(version("b/1", EQUAL, 2))
        .addSuccess(op(get("a"))).addFailure(op(get("b/1"))));
    s.txn(txn());
  }

  @Test
  void writesShareOneRevisionAndLaterOpsSeeEarlierOnes(Scenario s) {
    fill(s);
    s.txn(txn()
        .addSuccess(op(get("c")))
        .addSuccess(op(put("c", "1").setPrevKv(true)))
        .addSuccess(op(get("c")))
        .addSuccess(op(put("a", "n").setPrevKv(true)))
        .addSuccess(op(delete("b/1").setPrevKv(true)))
        .addSuccess(op(prefix("b/")))
        .addSuccess(op(delete("zz")))
        .addSuccess(op(all().setRevision(rev(3)))));
    s.range(all());
    s.range(all().setRevision(rev(5)));
  }

  @Test
  void subResponseHeadersBeforeAndAfterAWrite(Scenario s) {
    fill(s);
    s.txn(txn().addSuccess(op(delete("zz"))).addSuccess(op(get("a"))).addSuccess(op(delete("a")))
        .addSuccess(op(delete("yy"))).addSuccess(op(get("a"))));
  }

  @Test
  void txnWithOnlyNoOpDeletesAddsNoRevision(Scenario s) {
    fill(s);
    s.txn(txn().addSuccess(op(delete("x"))).addSuccess(op(deletePrefix("q"))));
    s.txn(txn().addCompare(version("a", EQUAL, 7)).addFailure(op(delete("x"))));
    s.put(put("z", "1"));
  }

  @Test
  void readOnlyTxns(Scenario s) {
    fill(s);
    s.txn(txn().addSuccess(op(all())).addSuccess(op(get("a").setRevision(rev(2)))));
    s.txn(txn().addCompare(version("a", EQUAL, 1)).addSuccess(op(all())).addFailure(op(prefix("b/").setLimit(1))));
  }

  @Test
  void nestedTxns(Scenario s) {
    fill(s);
    TxnRequest.Builder inner = txn().addCompare(value("a", EQUAL, "m"))
        .addSuccess(op(put("c", "then"))).addSuccess(op(get("c")))
        .addFailure(op(put("c", "else")));
    TxnRequest.Builder inner2 = txn().addCompare(value("a", EQUAL, "nope"))
        .addSuccess(op(put("d", "then")))
        .addFailure(op(put("d", "else"))).addFailure(op(txn().addSuccess(op(get("d")))));
    TxnResponse outer = s.txn(txn().addCompare(version("a", EQUAL, 2))
        .addSuccess(op(put("a", "changed"))).addSuccess(op(inner)).addSuccess(op(inner2)).addSuccess(op(get("a")))
        .addFailure(op(get("a")))).ok();
    assertThat(outer.getSucceeded()).isTrue();
    assertThat(outer.getResponses(1).getResponseTxn().getSucceeded()).isTrue();
    assertThat(outer.getResponses(2).getResponseTxn().getSucceeded()).isFalse();
    s.range(all());
    // the failure branch with a nested txn, chosen
    s.txn(txn().addCompare(version("a", EQUAL, 2)).addSuccess(op(get("a"))).addFailure(op(inner)));
    // a nested txn that writes nothing
    s.txn(txn().addSuccess(op(txn().addSuccess(op(get("a"))))));
  }

  @Test
  void comparesOfEveryLevelSeeTheStateBeforeAnyOp(Scenario s) {
    fill(s);
    s.txn(txn().addCompare(value("a", EQUAL, "m"))
        .addSuccess(op(put("a", "new")))
        .addSuccess(op(txn().addCompare(value("a", EQUAL, "m")).addSuccess(op(put("x", "saw old")))
            .addFailure(op(put("x", "saw new")))))
        .addSuccess(op(txn().addCompare(version("c", EQUAL, 0)).addSuccess(op(get("a"))))));
    s.range(all());
  }

  @Test
  void tooManyOps(Scenario s) {
    fill(s);
    assertThat(s.txn(opsTxn(128, 0, 0)).isError()).isFalse();
    assertThat(s.txn(opsTxn(129, 0, 0)).description()).isEqualTo("etcdserver: too many operations in txn request");
    s.txn(opsTxn(0, 129, 0));
    s.txn(opsTxn(0, 0, 129));
    s.txn(opsTxn(0, 128, 128));
    // too many wins over an empty compare key
    s.txn(opsTxn(129, 0, 0).addCompare(version("", EQUAL, 1)));
    // a nested txn may have 128 minus the outer count
    TxnRequest.Builder nested = opsTxn(0, 126, 0);
    s.txn(txn().addSuccess(op(nested)).addSuccess(op(get("a"))));
    s.txn(txn().addSuccess(op(opsTxn(0, 127, 0))).addSuccess(op(get("a"))));
    s.txn(txn().addCompare(version("a", EQUAL, 2)).addCompare(version("a", EQUAL, 2)).addCompare(version("a", EQUAL, 2))
        .addSuccess(op(opsTxn(0, 0, 126))));
  }

  /** A txn of {@code compares} compares, {@code gets} ranges in success and {@code puts} puts in failure. */
  private static TxnRequest.Builder opsTxn(int compares, int gets, int puts) {
    TxnRequest.Builder t = txn();
    for (int i = 0; i < compares; i++) {
      t.addCompare(version("k" + i, EQUAL, 0));
    }
    for (int i = 0; i < gets; i++) {
      t.addSuccess(op(get("k" + i)));
    }
    for (int i = 0; i < puts; i++) {
      t.addFailure(op(put("k" + i, "v")));
    }
    return t;
  }

  @Test
  void emptyKeysAndEmptyOps(Scenario s) {
    fill(s);
    s.txn(txn().addCompare(version("", EQUAL, 0)));
    assertThat(s.txn(txn().addSuccess(RequestOp.getDefaultInstance())).description()).isEqualTo("etcdserver: key not found");
    s.txn(txn().addFailure(RequestOp.getDefaultInstance()));
    s.txn(txn().addSuccess(op(put("", "x"))));
    s.txn(txn().addFailure(op(get(""))));
    s.txn(txn().addFailure(op(delete(""))));
    s.txn(txn().addSuccess(op(put("a", "x").setIgnoreValue(true))));
    s.txn(txn().addSuccess(op(put("a", "").setIgnoreLease(true).setLease(3))));
    s.txn(txn().addSuccess(op(txn().addCompare(version("", EQUAL, 0)))));
    s.txn(txn().addSuccess(op(txn().addFailure(RequestOp.getDefaultInstance()))));
    // the empty op comes before a duplicate key
    s.txn(txn().addSuccess(op(put("a", "1"))).addSuccess(op(put("a", "2"))).addFailure(RequestOp.getDefaultInstance()));
  }

  @Test
  void duplicateKeys(Scenario s) {
    fill(s);
    assertThat(s.txn(txn().addSuccess(op(put("a", "1"))).addSuccess(op(put("a", "2")))).description())
        .isEqualTo("etcdserver: duplicate key given in txn request");
    s.txn(txn().addFailure(op(put("a", "1"))).addFailure(op(put("a", "2"))));
    s.txn(txn().addSuccess(op(put("a", "1"))).addFailure(op(put("a", "2"))));
    s.txn(txn().addSuccess(op(deletePrefix("b/"))).addSuccess(op(put("b/3", "2"))));
    s.txn(txn().addSuccess(op(put("b/3", "2"))).addSuccess(op(deletePrefix("b/"))));
    s.txn(txn().addSuccess(op(delete("a"))).addSuccess(op(put("a", "2"))));
    s.txn(txn().addSuccess(op(delete("a"))).addSuccess(op(put("a\0", "2"))));
    s.txn(txn().addSuccess(op(deletePrefix("b/"))).addSuccess(op(delete("b/1"))).addSuccess(op(delete("b/", "c"))));
    s.txn(txn().addSuccess(op(delete("a", Kv.FROM_KEY))).addSuccess(op(put("b", "x"))));
    s.txn(txn().addSuccess(op(delete("b", "a"))).addSuccess(op(put("a", "x"))));
    s.txn(txn().addSuccess(op(put("a", "1"))).addSuccess(op(get("a"))).addSuccess(op(get("a"))));
  }

  @Test
  void duplicateKeysAcrossNestedTxns(Scenario s) {
    fill(s);
    // then and else of one nested txn may write the same key
    s.txn(txn().addSuccess(op(txn().addSuccess(op(put("a", "then"))).addFailure(op(put("a", "else"))))));
    // but not with the outer level
    s.txn(txn().addSuccess(op(put("a", "outer"))).addSuccess(op(txn().addSuccess(op(put("a", "inner"))))));
    s.txn(txn().addSuccess(op(txn().addFailure(op(put("a", "inner"))))).addSuccess(op(put("a", "outer"))));
    s.txn(txn().addSuccess(op(deletePrefix("a"))).addSuccess(op(txn().addFailure(op(put("a", "inner"))))));
    s.txn(txn().addSuccess(op(txn().addSuccess(op(deletePrefix("a"))))).addSuccess(op(put("a", "outer"))));
    s.txn(txn().addSuccess(op(txn().addSuccess(op(deletePrefix("a"))))).addSuccess(op(txn().addSuccess(op(put("a", "2"))))));
    s.txn(txn().addSuccess(op(txn().addSuccess(op(put("a", "1"))))).addSuccess(op(txn().addFailure(op(put("a", "2"))))));
    s.txn(txn().addSuccess(op(txn().addSuccess(op(put("a", "1"))).addFailure(op(put("b", "1")))))
        .addSuccess(op(txn().addSuccess(op(put("b", "2"))).addFailure(op(put("a", "2"))))));
    s.txn(txn().addSuccess(op(txn().addSuccess(op(put("a", "1")))
        .addFailure(op(put("a", "2"))).addFailure(op(txn().addSuccess(op(put("a", "3"))))))));
    // a duplicate in the branch that does not run is refused too
    s.txn(txn().addCompare(version("a", EQUAL, 99)).addSuccess(op(txn().addSuccess(op(put("q", "1"))).addSuccess(op(put("q", "2"))))));
    s.range(all());
  }

  @Test
  void errorsOfTheChosenPathFailTheWholeTxn(Scenario s) {
    fill(s);
    s.txn(txn().addSuccess(op(put("c", "1"))).addSuccess(op(put("missing", "").setIgnoreValue(true))));
    s.txn(txn().addSuccess(op(put("c", "1"))).addSuccess(op(put("d", "1").setLease(77))));
    s.txn(txn().addSuccess(op(put("missing", "").setIgnoreValue(true).setLease(77))));
    s.txn(txn().addSuccess(op(put("d", "1").setLease(77))).addSuccess(op(put("missing", "").setIgnoreLease(true))));
    s.txn(txn().addSuccess(op(get("a").setRevision(rev(99)))).addSuccess(op(put("missing", "").setIgnoreLease(true))));
    s.txn(txn().addSuccess(op(put("c", "1"))).addSuccess(op(get("a").setRevision(rev(6)))));
    s.txn(txn().addSuccess(op(put("c", "1"))).addSuccess(op(get("a").setRevision(rev(5)))));
    s.txn(txn().addSuccess(op(txn().addSuccess(op(put("x", "1").setLease(77))))));
    // the branch not taken is not checked
    s.txn(txn().addCompare(version("a", EQUAL, 2)).addSuccess(op(put("c", "2")))
        .addFailure(op(put("missing", "").setIgnoreValue(true))).addFailure(op(get("a").setRevision(rev(99)))));
    s.range(all());
  }

  @Test
  void rangesInTxnsBelowTheCompaction(Scenario s) {
    fill(s);
    s.compact(rev(3));
    s.txn(txn().addSuccess(op(get("a").setRevision(rev(2)))));
    s.txn(txn().addSuccess(op(get("a").setRevision(rev(3)))));
    s.txn(txn().addSuccess(op(get("a").setRevision(-1))));
    s.txn(txn().addSuccess(op(get("a").setRevision(-1))).addSuccess(op(put("c", "1"))));
    s.range(get("a").setRevision(-1));
  }
}
