package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Scenario.rev;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.AlarmType;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.etcd.jetcd.api.TxnRequest;
import org.junit.jupiter.api.Test;

/** Maintenance calls whose answers do not depend on the server's history: alarms, errors, leader moves. */
@Differential
class MaintenanceDiffTest {

  private static AlarmRequest alarm(AlarmRequest.AlarmAction action, AlarmType type) {
    return AlarmRequest.newBuilder().setAction(action).setAlarm(type).build();
  }

  /**
   * An Alarm call on both sides. etcd 3.5 fills the response header, 3.4 leaves it out: against a
   * 3.4 the headers are set aside (the fake's must be there) and the rest compared.
   */
  static Outcome<AlarmResponse> alarmCall(Scenario s, AlarmRequest request) {
    Outcome<AlarmResponse> fake = s.fake().call(MaintenanceGrpc.getAlarmMethod(), request);
    Outcome<AlarmResponse> real = s.reference().call(MaintenanceGrpc.getAlarmMethod(), request);
    if (s.referenceIs34() && !fake.isError() && !real.isError()) {
      assertThat(fake.ok().hasHeader()).as("etcd 3.5 fills the Alarm header").isTrue();
      s.requireSame("Alarm (header aside: etcd 3.4 sends none)", request,
          Outcome.of(fake.ok().toBuilder().clearHeader().build()), Outcome.of(real.ok().toBuilder().clearHeader().build()));
    } else {
      s.requireSame("Alarm", request, fake, real);
    }
    return fake;
  }

  /** The errors a Status call lists, joined with "|". */
  static String statusErrors(Side side) {
    return String.join("|", side.callRaw(MaintenanceGrpc.getStatusMethod(), StatusRequest.getDefaultInstance()).getErrorsList());
  }

  private static long memberId(Side side) {
    return side.callRaw(MaintenanceGrpc.getStatusMethod(), StatusRequest.getDefaultInstance()).getHeader().getMemberId();
  }

  @Test
  void alarmListIsEmptyOnAHealthyMember(Scenario s) {
    s.put(put("a", "1"));
    alarmCall(s, alarm(AlarmRequest.AlarmAction.GET, AlarmType.NONE));
    alarmCall(s, alarm(AlarmRequest.AlarmAction.GET, AlarmType.NOSPACE));
    // deactivating what is not raised answers no alarm
    alarmCall(s, alarm(AlarmRequest.AlarmAction.DEACTIVATE, AlarmType.NOSPACE));
  }

  /** NOSPACE (raised for member 0 so that both sides answer alike) caps writes until it is cleared. */
  @Test
  void noSpaceAlarmRefusesPutsUntilDeactivated(Scenario s) {
    s.put(put("a", "1"));
    try {
      Outcome<AlarmResponse> raised = alarmCall(s, alarm(AlarmRequest.AlarmAction.ACTIVATE, AlarmType.NOSPACE));
      assertThat(raised.ok().getAlarmsList()).hasSize(1);
      alarmCall(s, alarm(AlarmRequest.AlarmAction.ACTIVATE, AlarmType.NOSPACE));
      alarmCall(s, alarm(AlarmRequest.AlarmAction.GET, AlarmType.NONE));
      assertThat(s.put(put("a", "2")).description()).isEqualTo("etcdserver: mvcc: database space exceeded");
      s.put(put("", "2"));                           // validation comes first
      s.put(put("new", "1").setLease(12345));         // no space before the lease lookup
      s.txn(TxnRequest.newBuilder().addFailure(RequestOp.newBuilder().setRequestPut(put("b", "1"))));
      s.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestDeleteRange(Kv.delete("a"))));
      s.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestRange(Kv.get("a"))));
      s.call(io.etcd.jetcd.api.LeaseGrpc.getLeaseGrantMethod(),
          io.etcd.jetcd.api.LeaseGrantRequest.newBuilder().setTTL(60).setID(777).build());
      s.delete(Kv.delete("zzz"));
      s.range(Kv.all());
      s.compact(rev(2));
      assertThat(statusErrors(s.fake())).isEqualTo(statusErrors(s.reference())).isEqualTo("alarm:NOSPACE ");
      alarmCall(s, alarm(AlarmRequest.AlarmAction.DEACTIVATE, AlarmType.NOSPACE));
      alarmCall(s, alarm(AlarmRequest.AlarmAction.GET, AlarmType.NONE));
      s.put(put("a", "3"));
    } finally {
      s.reference().callRaw(MaintenanceGrpc.getAlarmMethod(), alarm(AlarmRequest.AlarmAction.DEACTIVATE, AlarmType.NOSPACE));
    }
  }

  @Test
  void hashKvRefusesFutureAndCompactedRevisions(Scenario s) {
    s.put(put("a", "1"));
    s.put(put("a", "2"));
    s.call(MaintenanceGrpc.getHashKVMethod(), HashKVRequest.newBuilder().setRevision(rev(9)).build());
    s.compact(rev(2));
    s.call(MaintenanceGrpc.getHashKVMethod(), HashKVRequest.newBuilder().setRevision(rev(1)).build());
    s.call(MaintenanceGrpc.getHashKVMethod(), HashKVRequest.newBuilder().setRevision(rev(2)).build());
    Outcome<?> fake = s.fake().call(MaintenanceGrpc.getHashKVMethod(), HashKVRequest.newBuilder().setRevision(rev(3)).build());
    Outcome<?> real = s.reference().call(MaintenanceGrpc.getHashKVMethod(), HashKVRequest.newBuilder().setRevision(rev(3)).build());
    assertThat(fake.isError()).isEqualTo(real.isError()).isFalse();
  }

  @Test
  void defragmentAnswersAnEmptyResponse(Scenario s) {
    s.call(MaintenanceGrpc.getDefragmentMethod(), DefragmentRequest.getDefaultInstance());
  }

  @Test
  void moveLeaderToItselfSucceedsAndToAStrangerFails(Scenario s) {
    s.call(MaintenanceGrpc.getMoveLeaderMethod(), MoveLeaderRequest.newBuilder().setTargetID(1234).build());
    s.call(MaintenanceGrpc.getMoveLeaderMethod(), MoveLeaderRequest.getDefaultInstance());
    MoveLeaderRequest toFake = MoveLeaderRequest.newBuilder().setTargetID(memberId(s.fake())).build();
    MoveLeaderRequest toReal = MoveLeaderRequest.newBuilder().setTargetID(memberId(s.reference())).build();
    s.requireSame("MoveLeader to itself", toFake, s.fake().call(MaintenanceGrpc.getMoveLeaderMethod(), toFake),
        s.reference().call(MaintenanceGrpc.getMoveLeaderMethod(), toReal));
  }

  /** Sizes, indexes and versions differ between any two etcds; the shape must not. */
  @Test
  void statusNamesItselfLeaderWithoutErrors(Scenario s) {
    s.put(put("a", "1"));
    for (Side side : new Side[] {s.fake(), s.reference()}) {
      StatusResponse st = side.callRaw(MaintenanceGrpc.getStatusMethod(), StatusRequest.getDefaultInstance());
      assertThat(st.getLeader()).as(side.name()).isEqualTo(st.getHeader().getMemberId());
      assertThat(st.getRaftTerm()).as(side.name()).isEqualTo(st.getHeader().getRaftTerm()).isPositive();
      assertThat(st.getRaftAppliedIndex()).as(side.name()).isEqualTo(st.getRaftIndex()).isGreaterThanOrEqualTo(5);
      assertThat(st.getDbSize()).as(side.name()).isGreaterThanOrEqualTo(st.getDbSizeInUse()).isGreaterThanOrEqualTo(16384);
      assertThat(st.getErrorsList()).as(side.name()).isEmpty();
      assertThat(st.getHeader().getRevision() - side.base() + 1).as(side.name()).isEqualTo(2);
      assertThat(st.getVersion()).as(side.name()).matches("3\\.[45]\\.\\d+");
    }
    // a put is one raft entry on both
    long[] before = new long[2];
    long[] after = new long[2];
    Side[] sides = {s.fake(), s.reference()};
    for (int i = 0; i < 2; i++) {
      before[i] = sides[i].callRaw(MaintenanceGrpc.getStatusMethod(), StatusRequest.getDefaultInstance()).getRaftIndex();
    }
    s.put(put("b", "1"));
    s.call(KVGrpc.getRangeMethod(), Kv.get("b").build());
    for (int i = 0; i < 2; i++) {
      after[i] = sides[i].callRaw(MaintenanceGrpc.getStatusMethod(), StatusRequest.getDefaultInstance()).getRaftIndex();
    }
    assertThat(after[0] - before[0]).isEqualTo(after[1] - before[1]).isEqualTo(1);
  }
}
