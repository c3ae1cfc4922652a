package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.Kv.all;
import static io.etcdfake.server.difftest.Kv.bytes;
import static io.etcdfake.server.difftest.Kv.delete;
import static io.etcdfake.server.difftest.Kv.get;
import static io.etcdfake.server.difftest.Kv.op;
import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Kv.range;
import static io.etcdfake.server.difftest.Kv.txn;
import static io.etcdfake.server.difftest.Kv.version;
import static io.etcd.jetcd.api.Compare.CompareResult.EQUAL;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.etcdfake.server.reliability.HostileRequests;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthRoleGetRequest;
import io.etcd.jetcd.api.AuthRoleGrantPermissionRequest;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.Permission;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.MethodDescriptor;
import org.junit.jupiter.api.Test;

/**
 * Hostile requests sent through raw gRPC stubs to the fake and to a real etcd: every answer (code and
 * exact message) must be the same, and afterwards both must still serve and hold the same data.
 */
@Differential
class BadInputDiffTest {

  /** A few keys written first, so that "no data lost" can be checked after the abuse. */
  private static void fill(Scenario s) {
    s.put(put("a", "1"));
    s.put(put("b", "2"));
    s.put(put("c", "3"));
  }

  /** The data is still there and equal on both sides, and both still take writes. */
  private static void stillServing(Scenario s) {
    s.range(all());
    s.put(put("after", "ok"));
    s.range(get("after"));
  }

  @Test
  void emptyAndHugeKeys(Scenario s) {
    fill(s);
    s.range(get(""));
    s.put(put("", "x"));
    s.delete(delete(""));
    s.range(get("").setRangeEnd(bytes("\0")));
    s.delete(delete("").setRangeEnd(bytes("\0")));
    s.range(all());
    s.put(put("k".repeat(1_000_000), "v"));
    s.range(get("k".repeat(1_000_000)).setKeysOnly(true));
    s.delete(delete("k".repeat(1_000_000)));
    stillServing(s);
  }

  @Test
  void rangeEndBelowTheKey(Scenario s) {
    fill(s);
    s.range(range("c", "a"));
    s.range(range("b", "b"));
    s.delete(delete("c", "a"));
    s.txn(txn().addSuccess(op(delete("c", "a"))).addSuccess(op(range("c", "a"))));
    s.txn(txn().addCompare(version("c", EQUAL, 1).setRangeEnd(bytes("a"))));
    stillServing(s);
  }

  @Test
  void negativeAndHugeRevisionsAndLimits(Scenario s) {
    fill(s);
    for (long rev : new long[] {-1, -100, Long.MIN_VALUE, 1L << 40, Long.MAX_VALUE / 2}) {
      s.range(get("a").setRevision(rev));
      s.range(all().setRevision(rev));
    }
    for (long limit : new long[] {-1, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 31, Integer.MAX_VALUE}) {
      s.range(all().setLimit(limit));
    }
    for (long rev : new long[] {-1, Long.MIN_VALUE, 1L << 40}) {
      s.range(all().setMinModRevision(rev));
      s.range(all().setMaxModRevision(rev));
      s.range(all().setMinCreateRevision(rev));
      s.range(all().setMaxCreateRevision(rev));
      s.txn(txn().addCompare(Kv.modified("a", EQUAL, rev)));
      s.txn(txn().addCompare(Kv.created("a", Compare.CompareResult.LESS, rev)));
      s.txn(txn().addCompare(version("a", Compare.CompareResult.GREATER, rev)));
    }
    s.compact(-1);
    s.compact(Long.MIN_VALUE);
    s.compact(1L << 40);
    stillServing(s);
  }

  @Test
  void unknownEnumValues(Scenario s) {
    fill(s);
    s.txn(txn().addCompare(Kv.compare("a", EQUAL).setTargetValue(99)));
    s.txn(txn().addCompare(Kv.compare("a", EQUAL).setTarget(Compare.CompareTarget.VERSION).setResultValue(-7)));
    s.txn(txn().addCompare(version("a", EQUAL, 1).setResultValue(Integer.MAX_VALUE)));
    s.call35("etcd 3.4 did not check sort enums", KVGrpc.getRangeMethod(), all().setSortOrderValue(7).build());
    s.call35("etcd 3.4 did not check sort enums", KVGrpc.getRangeMethod(), all().setSortTargetValue(-1).build());
    stillServing(s);
  }

  /** Enum values no client library sends, in the other services: a watch filter, alarm actions and types, a permission type. */
  @Test
  void unknownEnumValuesBeyondKv(Scenario s) {
    fill(s);
    try (StreamPair<WatchRequest, WatchResponse> w = s.stream(WatchGrpc.getWatchMethod())) {
      w.send(WatchDiffTest.create(WatchDiffTest.watch("a").addFiltersValue(7).addFiltersValue(-1)));
      w.next();
      s.put(put("a", "watched"));
      w.next(); // the unknown filters drop nothing
    }
    try {
      // an unknown action crashes etcd: EtcdCrashesDiffTest
      MaintenanceDiffTest.alarmCall(s, AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).setAlarmValue(9).build());
      // raising an alarm type etcd does not know lists it, and caps nothing
      MaintenanceDiffTest.alarmCall(s, AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE).setAlarmValue(9).build());
      MaintenanceDiffTest.alarmCall(s, AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build());
      MaintenanceDiffTest.alarmCall(s, AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).setAlarmValue(9).build());
      assertThat(MaintenanceDiffTest.statusErrors(s.fake())).isEqualTo(MaintenanceDiffTest.statusErrors(s.reference()))
          .isEqualTo("alarm:9 ");
      s.put(put("b", "still writable"));
      MaintenanceDiffTest.alarmCall(s, AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE).setAlarmValue(9).build());
      MaintenanceDiffTest.alarmCall(s, AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build());
    } finally {
      s.reference().callRaw(MaintenanceGrpc.getAlarmMethod(),
          AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE).setAlarmValue(9).build());
    }
    stillServing(s);
    // a permission type etcd does not know is stored and listed, and grants nothing
    AuthDiffTest.roleAdd(s, "r");
    s.call(AuthGrpc.getRoleGrantPermissionMethod(), AuthRoleGrantPermissionRequest.newBuilder().setName("r")
        .setPerm(Permission.newBuilder().setPermTypeValue(9).setKey(bytes("a"))).build());
    s.call(AuthGrpc.getRoleGrantPermissionMethod(), AuthRoleGrantPermissionRequest.newBuilder().setName("r")
        .setPerm(Permission.newBuilder().setPermTypeValue(-3).setKey(bytes("b"))).build());
    s.call(AuthGrpc.getRoleGetMethod(), AuthRoleGetRequest.newBuilder().setRole("r").build());
    AuthDiffTest.userAdd(s, "u", "u-pw");
    AuthDiffTest.grantRole(s, "u", "r");
    AuthDiffTest.rootAndEnable(s);
    assertThat(s.login("u", "u-pw").isError()).isFalse();
    assertThat(s.range(get("a")).description()).isEqualTo("etcdserver: permission denied");
    s.put(put("a", "denied"));
    s.range(get("b"));
    assertThat(s.login("root", Scenario.ROOT_PASSWORD).isError()).isFalse();
    s.range(all());
  }

  @Test
  void deeplyNestedTxns(Scenario s) {
    fill(s);
    // from 50 levels on the answer nests too deep for the test's own protobuf-java client, which
    // then fails alike on both sides; from 128 on, etcd's op budget refuses the txn
    for (int depth : new int[] {10, 45, 60, 126, 127, 128, 200, 400}) {
      TxnRequest.Builder t = txn().addSuccess(op(put("deep", "d" + depth)));
      for (int i = 0; i < depth; i++) {
        t = txn().addSuccess(op(t));
      }
      s.txn(t);
    }
    s.range(get("deep"));
    stillServing(s);
  }

  /**
   * Txns nested far past the op budget, up to gRPC's 2 MiB receive limit and just over it. etcd's
   * Go protobuf has no depth limit, not even protobuf-go's 10 000 (3.4 and 3.5 alike: both parse with
   * gogo's generated code, which grpc-go calls as it is), so every
   * depth that fits is refused with "too many operations", even past 1.5 MiB (the txn check comes
   * before the request-size check); 263 000 levels exceed the message limit, refused by gRPC. Sent as
   * wire bytes: protobuf-java cannot write such a message from a builder without overflowing the stack.
   */
  @Test
  void txnsNestedUpToTheMessageSizeLimit(Scenario s) {
    fill(s);
    for (int depth : new int[] {129, 500, 501, 1_000, 5_000, 10_000, 10_001, 20_000, 200_000, 262_000, 263_000}) {
      Outcome<TxnResponse> answer = s.callBytes(depth + " nested txns", RAW_TXN, HostileRequests.nestedTxn(depth, "d" + depth));
      assertThat(answer.isError()).as("%d nested txns", depth).isTrue();
    }
    // the fake cuts deep txns before parsing them, keeping etcd's check order: an empty key before
    // the deep branch is refused as such, one after it is never looked at
    byte[] emptyKey = txn().addSuccess(op(put("", "x"))).build().toByteArray();
    byte[] chain = HostileRequests.nestedTxn(600, "x");
    byte[] deepOp = HostileRequests.concat(HostileRequests.lengthPrefix(4, chain.length), chain);
    byte[] deep = HostileRequests.concat(HostileRequests.lengthPrefix(2, deepOp.length), deepOp);
    assertThat(s.callBytes("empty key, then 600 nested", RAW_TXN, HostileRequests.concat(emptyKey, deep)).description())
        .isEqualTo("etcdserver: key is not provided");
    assertThat(s.callBytes("600 nested, then empty key", RAW_TXN, HostileRequests.concat(deep, emptyKey)).description())
        .isEqualTo("etcdserver: too many operations in txn request");
    s.range(all());
    stillServing(s);
  }

  /** Txn requests as wire bytes, answers parsed. */
  private static final MethodDescriptor<byte[], TxnResponse> RAW_TXN =
      HostileRequests.asBytes(KVGrpc.getTxnMethod(), KVGrpc.getTxnMethod().getResponseMarshaller());

  @Test
  void tenThousandOpTxns(Scenario s) {
    fill(s);
    TxnRequest.Builder puts = txn();
    TxnRequest.Builder gets = txn();
    TxnRequest.Builder compares = txn();
    for (int i = 0; i < 10_000; i++) {
      puts.addSuccess(op(put("t" + i, "v")));
      gets.addFailure(op(get("t" + i)));
      compares.addCompare(version("t" + i, EQUAL, 0));
    }
    s.txn(puts);
    s.txn(gets);
    s.txn(compares);
    s.range(Kv.prefix("t").setCountOnly(true));
    stillServing(s);
  }

  /** Seeded: {@code -Detcdfake.reliability.seed=N}; more: {@code -Detcdfake.reliability.hostile=5000}. */
  @Test
  void seededHostileRequests(Scenario s) {
    fill(s);
    long seed = Long.getLong("etcdfake.reliability.seed", 20261129L);
    HostileRequests requests = new HostileRequests(seed);
    int n = Integer.getInteger("etcdfake.reliability.hostile", 300);
    for (int i = 0; i < n; i++) {
      send(s, requests.next());
    }
    stillServing(s);
  }

  private static <Q extends Message, A extends Message> void send(Scenario s, HostileRequests.Hostile<Q, A> h) {
    s.call(h.method(), h.request());
  }

  @Test
  void emptyRequests(Scenario s) {
    fill(s);
    s.range(RangeRequest.newBuilder());
    s.put(io.etcd.jetcd.api.PutRequest.newBuilder());
    s.delete(io.etcd.jetcd.api.DeleteRangeRequest.newBuilder());
    s.txn(TxnRequest.newBuilder());
    s.txn(txn().addSuccess(RequestOp.getDefaultInstance()).addFailure(RequestOp.getDefaultInstance()));
    s.range(get("a").setRangeEnd(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff})));
    stillServing(s);
  }
}
