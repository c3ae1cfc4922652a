package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.Kv.bytes;
import static io.etcdfake.server.difftest.Kv.prefix;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.etcd.jetcd.api.lock.UnlockResponse;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/**
 * The Lock service where its answers are deterministic: key shapes, header revisions, re-locking
 * with the same lease, unlock of missing keys, and errors as gRPC Unknown. Leases get explicit ids
 * so both sides name the same keys. Waiting is tested through jetcd (it needs time).
 */
@Differential
class LockDiffTest {

  static void grant(Scenario s, long id, long ttl) {
    s.call(LeaseGrpc.getLeaseGrantMethod(), LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build());
  }

  static Outcome<LockResponse> lock(Scenario s, String name, long lease) {
    return s.call(LockGrpc.getLockMethod(), LockRequest.newBuilder().setName(bytes(name)).setLease(lease).build());
  }

  static Outcome<UnlockResponse> unlock(Scenario s, String key) {
    return s.call(LockGrpc.getUnlockMethod(), UnlockRequest.newBuilder().setKey(bytes(key)).build());
  }

  @Test
  void theLockIsAKeyUnderTheNameAndLockingAgainWithTheLeaseGivesItBack(Scenario s) {
    grant(s, 0x1a2b, 60);
    assertThat(lock(s, "mylock", 0x1a2b).ok().getKey().toStringUtf8()).isEqualTo("mylock/1a2b");
    s.range(prefix("mylock"));
    lock(s, "mylock", 0x1a2b);
    s.range(prefix("mylock/"));
    unlock(s, "mylock/1a2b");
    s.range(prefix("mylock/"));
    // a missing key is no error: a plain delete of nothing
    unlock(s, "mylock/1a2b");
    unlock(s, "never/locked");
  }

  @Test
  void locksOnDifferentNamesAndAnEmptyName(Scenario s) {
    grant(s, 0x10, 60);
    lock(s, "a", 0x10);
    lock(s, "b", 0x10);
    lock(s, "", 0x10);
    s.range(Kv.all());
  }

  @Test
  void anUnknownLeaseIsEtcdsErrorAsUnknown(Scenario s) {
    Outcome<LockResponse> o = lock(s, "nolease", 0x777);
    assertThat(o.code()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(o.description()).isEqualTo("etcdserver: requested lease not found");
    lock(s, "nolease", -3);
    s.range(Kv.all());
  }

  @Test
  void revokingTheHoldersLeaseDeletesTheLockKey(Scenario s) {
    grant(s, 0x20, 60);
    lock(s, "gone", 0x20);
    s.call(LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(0x20).build());
    s.range(prefix("gone/"));
    grant(s, 0x21, 60);
    lock(s, "gone", 0x21);
  }
}
