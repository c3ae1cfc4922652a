package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.AuthDiffTest.aliceWithPermissions;
import static io.etcdfake.server.difftest.AuthDiffTest.rootAndEnable;
import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Scenario.ROOT_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.HashRequest;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberPromoteRequest;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.MemberUpdateRequest;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/**
 * Auth beyond KV: which watches, lease calls, maintenance and member calls a user may make. Uses
 * AuthDiffTest's alice (READ a, READWRITE prefix p/, WRITE [w1, w5), READ from z on). Never changes
 * the real etcd's membership: member calls are only made by users who are refused.
 */
@Differential
class AuthServicesDiffTest {

  private static WatchRequest watch(String key, String end) {
    return WatchDiffTest.create(WatchDiffTest.watch(key).setRangeEnd(Kv.bytes(end)));
  }

  @Test
  void aWatchNeedsReadOnItsRange(Scenario s) {
    aliceWithPermissions(s);
    try (StreamPair<WatchRequest, WatchResponse> w = s.stream(WatchGrpc.getWatchMethod())) {
      w.send(WatchDiffTest.create(WatchDiffTest.watch("a")));
      assertThat(w.next().ok().getCanceled()).isFalse();
      w.send(WatchDiffTest.create(WatchDiffTest.watch("w2")));
      assertThat(w.next().ok().getCancelReason()).contains("permission denied");
      w.send(watch("p/", "p0"));
      w.next();
      w.send(watch("a", "b"));
      w.next();
      // a watch from a key on is checked on that key alone, as etcd does
      w.send(watch("z", Kv.FROM_KEY));
      w.next();
      w.send(watch("y", Kv.FROM_KEY));
      w.next();
      w.send(watch("", Kv.FROM_KEY));
      w.next();
      w.send(WatchDiffTest.create(WatchDiffTest.watch("p/2")));
      w.next();
    }
  }

  @Test
  void aWatchWithoutAUserOrWithABadToken(Scenario s) {
    s.put(put("a", "1"));
    rootAndEnable(s);
    try (StreamPair<WatchRequest, WatchResponse> w = s.stream(WatchGrpc.getWatchMethod())) {
      w.send(WatchDiffTest.create(WatchDiffTest.watch("a")));
      w.next();
    }
    s.useToken("NotATokenAtAllXY.5");
    try (StreamPair<WatchRequest, WatchResponse> w = s.stream(WatchGrpc.getWatchMethod())) {
      w.send(WatchDiffTest.create(WatchDiffTest.watch("a")));
      w.next();
    }
  }

  @Test
  void revokingALeaseNeedsWriteOnAllItsKeys(Scenario s) {
    s.call(LeaseGrpc.getLeaseGrantMethod(), LeaseGrantRequest.newBuilder().setID(7001).setTTL(600).build());
    s.call(LeaseGrpc.getLeaseGrantMethod(), LeaseGrantRequest.newBuilder().setID(7002).setTTL(600).build());
    s.put(put("p/leased", "1").setLease(7001));
    s.put(put("p/also", "1").setLease(7002));
    s.put(put("a", "1").setLease(7002));
    aliceWithPermissions(s);
    s.call(LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(7002).build());
    // a put onto a lease needs write on the lease's other keys too
    s.put(put("p/new", "1").setLease(7002));
    s.put(put("p/new", "1").setLease(7001));
    s.call(LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(7001).build());
    s.call(LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(7003).build());
    s.call(LeaseGrpc.getLeaseGrantMethod(), LeaseGrantRequest.newBuilder().setID(7004).setTTL(600).build());
    s.login("root", ROOT_PASSWORD);
    s.range(Kv.all());
  }

  @Test
  void leaseCallsLookAtTheToken(Scenario s) {
    rootAndEnable(s);
    s.call(LeaseGrpc.getLeaseGrantMethod(), LeaseGrantRequest.newBuilder().setID(7101).setTTL(600).build());
    s.useToken("NotATokenAtAllXY.5");
    s.call(LeaseGrpc.getLeaseGrantMethod(), LeaseGrantRequest.newBuilder().setID(7102).setTTL(600).build());
    s.call(LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(7101).build());
    s.logout();
    s.call(LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(7101).build());
  }

  @Test
  void leaseKeysAreListedOnlyToReaders(Scenario s) {
    s.call(LeaseGrpc.getLeaseGrantMethod(), LeaseGrantRequest.newBuilder().setID(7201).setTTL(600).build());
    s.put(put("w3", "1").setLease(7201));
    aliceWithPermissions(s);
    Outcome<LeaseTimeToLiveResponse> o = s.call35("3.5.9+ check read on a lease's keys before listing them",
        LeaseGrpc.getLeaseTimeToLiveMethod(), LeaseTimeToLiveRequest.newBuilder().setID(7201).setKeys(true).build());
    assertThat(o.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void adminOnlyMaintenance(Scenario s) {
    aliceWithPermissions(s);
    s.call(MaintenanceGrpc.getHashMethod(), HashRequest.getDefaultInstance());
    s.call(MaintenanceGrpc.getHashKVMethod(), HashKVRequest.getDefaultInstance());
    s.call(MaintenanceGrpc.getDefragmentMethod(), DefragmentRequest.getDefaultInstance());
    // MoveLeader is not among etcd 3.5's admin-only calls: it fails for its own reason
    s.call(MaintenanceGrpc.getMoveLeaderMethod(), MoveLeaderRequest.newBuilder().setTargetID(1).build());
    s.logout();
    s.call(MaintenanceGrpc.getHashMethod(), HashRequest.getDefaultInstance());
    s.call(MaintenanceGrpc.getDefragmentMethod(), DefragmentRequest.getDefaultInstance());
    s.useToken("NotATokenAtAllXY.5");
    s.call(MaintenanceGrpc.getHashKVMethod(), HashKVRequest.getDefaultInstance());
    s.call(MaintenanceGrpc.getAlarmMethod(), AlarmRequest.getDefaultInstance());
  }

  @Test
  void memberChangesNeedRoot(Scenario s) {
    aliceWithPermissions(s);
    s.call(ClusterGrpc.getMemberAddMethod(), MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:1").build());
    s.call(ClusterGrpc.getMemberRemoveMethod(), MemberRemoveRequest.newBuilder().setID(1).build());
    s.call(ClusterGrpc.getMemberUpdateMethod(), MemberUpdateRequest.newBuilder().setID(1).addPeerURLs("http://127.0.0.1:1").build());
    s.call(ClusterGrpc.getMemberPromoteMethod(), MemberPromoteRequest.newBuilder().setID(1).build());
    s.logout();
    s.call(ClusterGrpc.getMemberAddMethod(), MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:1").build());
    s.call(ClusterGrpc.getMemberRemoveMethod(), MemberRemoveRequest.newBuilder().setID(1).build());
  }
}
