package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.Kv.all;
import static io.etcdfake.server.difftest.Kv.bytes;
import static io.etcdfake.server.difftest.Kv.delete;
import static io.etcdfake.server.difftest.Kv.op;
import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Kv.txn;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.AlarmType;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/**
 * Requests a real etcd crashes on, so the randomized suite does not send them (see
 * {@link RandomOps#avoidPanic}). They go to the fake only; the fake refuses them with the error etcd's
 * own checks would give had they seen the problem, and changes nothing: no crash, no half-applied txn.
 */
@Differential
class EtcdCrashesDiffTest {

  /**
   * A txn that deletes from a key on (range_end "\0") and then puts with ignore_value a key that
   * delete removed. etcd's overlap check reads [key, "\0") as an empty interval, its ignore_value check
   * looks at the state before the txn, so the put fails midway and etcd 3.4 (and 3.5, same code path)
   * panics with "unexpected error during txn: etcdserver: key not found".
   */
  @Test
  void ignoreValuePutAfterADeleteFromKeyInOneTxn(Scenario s) {
    s.put(put("a", "1"));
    s.put(put("b", "2"));
    TxnRequest crashing = txn()
        .addSuccess(op(delete("a").setRangeEnd(bytes(Kv.FROM_KEY))))
        .addSuccess(op(PutRequest.newBuilder().setKey(bytes("b")).setIgnoreValue(true)))
        .build();

    Outcome<TxnResponse> fake = s.fake().call(KVGrpc.getTxnMethod(), crashing);

    assertThat(fake.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(fake.description()).isEqualTo("etcdserver: key not found");
    s.range(all()); // both sides still hold a and b at revision 3: the delete was rolled back
  }

  /** The same with ignore_lease, and the delete in a nested txn: refused the same way. */
  @Test
  void ignoreLeasePutAfterANestedDeleteFromKey(Scenario s) {
    s.put(put("a", "1"));
    TxnRequest crashing = txn()
        .addSuccess(op(txn().addSuccess(op(delete("a").setRangeEnd(bytes(Kv.FROM_KEY))))))
        .addSuccess(op(PutRequest.newBuilder().setKey(bytes("a")).setValue(bytes("2")).setIgnoreLease(true)))
        .build();

    Outcome<TxnResponse> fake = s.fake().call(KVGrpc.getTxnMethod(), crashing);

    assertThat(fake.description()).isEqualTo("etcdserver: key not found");
    s.range(all());
  }

  /** The generator takes the ignore flags off exactly such txns and leaves every other one alone. */
  @Test
  void theGeneratorAvoidsThem() {
    TxnRequest.Builder crashing = txn()
        .addSuccess(op(txn().addFailure(op(delete("a").setRangeEnd(bytes(Kv.FROM_KEY))))))
        .addFailure(op(PutRequest.newBuilder().setKey(bytes("b")).setIgnoreValue(true).setIgnoreLease(true)));
    TxnRequest.Builder harmless = txn()
        .addSuccess(op(delete("a").setRangeEnd(bytes("c"))))
        .addSuccess(op(PutRequest.newBuilder().setKey(bytes("b")).setIgnoreValue(true)));

    assertThat(RandomOps.avoidPanic(crashing).getFailure(0).getRequestPut().getIgnoreValue()).isFalse();
    assertThat(RandomOps.avoidPanic(crashing).getFailure(0).getRequestPut().getIgnoreLease()).isFalse();
    assertThat(RandomOps.avoidPanic(harmless).getSuccess(1).getRequestPut().getIgnoreValue()).isTrue();
  }

  /**
   * An Alarm call with an action etcd does not know: etcd's applier answers no response and its server
   * then panics marshalling nil (etcd 3.4.23 seen to crash; 3.5 takes the same path). The fake answers
   * it as a GET, so a client sees the alarms instead of a dead server, and nothing is raised or cleared.
   */
  @Test
  void alarmWithAnUnknownAction(Scenario s) {
    s.put(put("a", "1"));
    s.fake().call(MaintenanceGrpc.getAlarmMethod(), AlarmRequest.newBuilder()
        .setAction(AlarmRequest.AlarmAction.ACTIVATE).setAlarm(AlarmType.NOSPACE).build());
    try {
      for (int action : new int[] {3, 7, -1}) {
        Outcome<AlarmResponse> o = s.fake().call(MaintenanceGrpc.getAlarmMethod(),
            AlarmRequest.newBuilder().setActionValue(action).setAlarm(AlarmType.NONE).build());
        assertThat(o.ok().getAlarmsList()).singleElement()
            .satisfies(a -> assertThat(a.getAlarm()).isEqualTo(AlarmType.NOSPACE));
      }
    } finally {
      s.fake().call(MaintenanceGrpc.getAlarmMethod(), AlarmRequest.newBuilder()
          .setAction(AlarmRequest.AlarmAction.DEACTIVATE).setAlarm(AlarmType.NOSPACE).build());
    }
    s.put(put("a", "2")); // the alarm went only with the DEACTIVATE
    s.range(all());
  }
}
