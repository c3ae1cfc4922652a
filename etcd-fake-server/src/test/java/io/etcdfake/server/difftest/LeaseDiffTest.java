package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.Kv.all;
import static io.etcdfake.server.difftest.Kv.bytes;
import static io.etcdfake.server.difftest.Kv.get;
import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Scenario.rev;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcdfake.server.grpc.LeaseService;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Lease service: grant (TTL floor, too large, duplicates), revoke with its keys in one revision,
 * keep-alive streams, time-to-live and the lease list. Leases are granted with explicit ids so that
 * both sides can be asked the same; expiry needs wall time and is tested through jetcd instead.
 */
@Differential
class LeaseDiffTest {

  private static LeaseGrantRequest.Builder grant(long id, long ttl) {
    return LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl);
  }

  private static Outcome<LeaseGrantResponse> grant(Scenario s, long id, long ttl) {
    return s.call(LeaseGrpc.getLeaseGrantMethod(), grant(id, ttl).build());
  }

  private static Outcome<LeaseRevokeResponse> revoke(Scenario s, long id) {
    return s.call(LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(id).build());
  }

  /**
   * TimeToLive on both sides. The remaining TTL depends on how long the calls took: anything from
   * granted-5 to granted-1 reads as granted-1 ("59 right after granting 60"); keys come in no set order.
   */
  static Outcome<LeaseTimeToLiveResponse> timeToLive(Scenario s, long id, boolean keys) {
    LeaseTimeToLiveRequest q = LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(keys).build();
    Outcome<LeaseTimeToLiveResponse> mine = s.fake().call(LeaseGrpc.getLeaseTimeToLiveMethod(), q);
    Outcome<LeaseTimeToLiveResponse> theirs = s.reference().call(LeaseGrpc.getLeaseTimeToLiveMethod(), q);
    s.requireSame("LeaseTimeToLive", q, comparable(mine), comparable(theirs));
    return mine;
  }

  private static Outcome<LeaseTimeToLiveResponse> comparable(Outcome<LeaseTimeToLiveResponse> o) {
    if (o.isError()) {
      return o;
    }
    LeaseTimeToLiveResponse r = o.response();
    LeaseTimeToLiveResponse.Builder b = r.toBuilder();
    if (r.getTTL() < r.getGrantedTTL() && r.getTTL() >= r.getGrantedTTL() - 5) {
      b.setTTL(r.getGrantedTTL() - 1);
    }
    List<ByteString> keys = new ArrayList<>(r.getKeysList());
    keys.sort(ByteString.unsignedLexicographicalComparator());
    b.clearKeys().addAllKeys(keys);
    return Outcome.of(b.build());
  }

  /** LeaseLeases on one side, read field by field (jetcd has no message for it): the ids in order. */
  private static List<Long> leases(Side side) {
    Empty answer = ClientCalls.blockingUnaryCall(side.channel(), LeaseService.LEASE_LEASES,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), Empty.getDefaultInstance());
    UnknownFieldSet fields = answer.getUnknownFields();
    assertThat(fields.hasField(1)).as("LeaseLeases of %s has a header", side).isTrue();
    List<Long> ids = new ArrayList<>();
    if (fields.hasField(2)) {
      for (ByteString status : fields.getField(2).getLengthDelimitedList()) {
        try {
          ids.add(UnknownFieldSet.parseFrom(status).getField(1).getVarintList().get(0));
        } catch (InvalidProtocolBufferException e) {
          throw new AssertionError(e);
        }
      }
    }
    return ids;
  }

  @Test
  void grantWithExplicitIdsAndTheTtlFloor(Scenario s) {
    assertThat(grant(s, 100, 60).ok().getTTL()).isEqualTo(60);
    assertThat(grant(s, 101, 0).ok().getTTL()).isEqualTo(2);
    grant(s, 102, 1);
    grant(s, 103, -5);
    grant(s, 104, 3);
    grant(s, 105, 9_000_000_000L);
    assertThat(grant(s, 100, 60).code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
  }

  @Test
  void tooLargeTtlComesBeforeTheDuplicateCheck(Scenario s) {
    grant(s, 100, 60);
    assertThat(grant(s, 200, 9_000_000_001L).description()).isEqualTo("etcdserver: too large lease TTL");
    grant(s, 100, 9_000_000_001L);
    grant(s, 100, Long.MAX_VALUE);
    grant(s, 200, 10);
  }

  @Test
  void grantWithANegativeId(Scenario s) {
    grant(s, -5, 10);
    timeToLive(s, -5, true);
    grant(s, -5, 10);
    revoke(s, -5);
  }

  @Test
  void serverChosenIdsArePositiveAndOtherwiseTheSameAnswer(Scenario s) {
    LeaseGrantRequest q = grant(0, 30).build();
    LeaseGrantResponse mine = s.fake().call(LeaseGrpc.getLeaseGrantMethod(), q).ok();
    LeaseGrantResponse theirs = s.reference().call(LeaseGrpc.getLeaseGrantMethod(), q).ok();
    assertThat(mine.getID()).isPositive();
    assertThat(theirs.getID()).isPositive();
    s.requireSame("LeaseGrant", q, Outcome.of(mine.toBuilder().clearID().build()), Outcome.of(theirs.toBuilder().clearID().build()));
  }

  @Test
  void revokeDeletesItsKeysInOneRevision(Scenario s) {
    grant(s, 7, 60);
    grant(s, 8, 60);
    s.put(put("z", "1").setLease(7));
    s.put(put("a", "1").setLease(7));
    s.put(put("m", "1").setLease(7));
    s.put(put("other", "1").setLease(8));
    s.put(put("plain", "1"));
    assertThat(revoke(s, 7).ok().getHeader().getRevision()).isEqualTo(rev(7));
    s.range(all());
    assertThat(revoke(s, 7).description()).isEqualTo("etcdserver: requested lease not found");
    revoke(s, 12345);
  }

  @Test
  void aWatcherSeesARevokeAsOneRevisionOfDeletesInKeyOrder(Scenario s) {
    grant(s, 7, 60);
    try (StreamPair<WatchRequest, WatchResponse> w = WatchDiffTest.open(s)) {
      w.send(WatchDiffTest.create(WatchDiffTest.watchPrefix("svc/").setPrevKv(true)));
      w.next();
      s.put(put("svc/z", "1").setLease(7));
      w.next();
      s.put(put("svc/a", "1").setLease(7));
      w.next();
      s.put(put("svc/m", "1").setLease(7));
      w.next();
      revoke(s, 7);
      WatchResponse deletes = w.next().ok();
      assertThat(deletes.getEventsList()).extracting(e -> e.getKv().getKey().toStringUtf8())
          .containsExactly("svc/a", "svc/m", "svc/z");
    }
  }

  @Test
  void revokeWithoutKeysMakesNoRevision(Scenario s) {
    s.put(put("a", "1"));
    grant(s, 7, 60);
    assertThat(revoke(s, 7).ok().getHeader().getRevision()).isEqualTo(rev(2));
  }

  @Test
  void putWithoutLeaseDetachesAndDeleteDetaches(Scenario s) {
    grant(s, 7, 60);
    s.put(put("a", "1").setLease(7));
    s.put(put("b", "1").setLease(7));
    s.put(put("c", "1").setLease(7));
    s.put(put("d", "1").setLease(7));
    s.put(put("a", "2"));
    s.put(put("b", "").setIgnoreValue(true).setIgnoreLease(true));
    s.delete(io.etcd.jetcd.api.DeleteRangeRequest.newBuilder().setKey(bytes("c")));
    timeToLive(s, 7, true);
    s.range(all());
    revoke(s, 7);
    s.range(all());
  }

  @Test
  void txnPutsAttachAndARevokeSeesThem(Scenario s) {
    grant(s, 7, 60);
    s.txn(TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestPut(put("t1", "v").setLease(7)))
        .addSuccess(RequestOp.newBuilder().setRequestPut(put("t2", "v").setLease(7))));
    s.txn(TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestPut(put("t3", "v").setLease(99))));
    timeToLive(s, 7, true);
    revoke(s, 7);
    s.range(all());
  }

  @Test
  void timeToLiveRemainingGrantedAndKeys(Scenario s) {
    grant(s, 7, 60);
    s.put(put("k1", "v").setLease(7));
    s.put(put("k2", "v").setLease(7));
    LeaseTimeToLiveResponse r = timeToLive(s, 7, true).ok();
    assertThat(r.getGrantedTTL()).isEqualTo(60);
    assertThat(r.getTTL()).isBetween(55L, 59L);
    timeToLive(s, 7, false);
    assertThat(timeToLive(s, 8, true).ok().getTTL()).isEqualTo(-1);
    timeToLive(s, 0, false);
  }

  @Test
  void keepAliveAnswersEachRequestWithTheGrantedTtlAndStaysOpen(Scenario s) {
    grant(s, 7, 60);
    s.put(put("k", "v").setLease(7));
    try (StreamPair<LeaseKeepAliveRequest, LeaseKeepAliveResponse> stream = s.stream(LeaseGrpc.getLeaseKeepAliveMethod())) {
      stream.send(LeaseKeepAliveRequest.newBuilder().setID(7).build());
      assertThat(stream.next().ok().getTTL()).isEqualTo(60);
      stream.send(LeaseKeepAliveRequest.newBuilder().setID(8).build());
      assertThat(stream.next().ok().getTTL()).isZero();
      stream.send(LeaseKeepAliveRequest.newBuilder().setID(0).build());
      stream.next();
      stream.send(LeaseKeepAliveRequest.newBuilder().setID(7).build());
      stream.send(LeaseKeepAliveRequest.newBuilder().setID(7).build());
      stream.next();
      stream.next();
      revoke(s, 7);
      stream.send(LeaseKeepAliveRequest.newBuilder().setID(7).build());
      assertThat(stream.next().ok().getTTL()).isZero();
      stream.halfClose();
      assertThat(stream.next().isError()).isFalse();
    }
    s.range(get("k"));
  }

  /** Polls until the side no longer knows the lease; a real etcd offers nothing to wait on. */
  private static void awaitExpiry(Side side, long id) throws InterruptedException {
    LeaseTimeToLiveRequest q = LeaseTimeToLiveRequest.newBuilder().setID(id).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (side.call(LeaseGrpc.getLeaseTimeToLiveMethod(), q).ok().getTTL() != -1) {
      assertThat(System.nanoTime()).as("lease %d on %s expired within 30 s", id, side).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  void anExpiredLeaseDeletesItsKeysInOneRevisionAndAnswersZeroToKeepAlive(Scenario s) throws Exception {
    grant(s, 7, 2);
    grant(s, 8, 60);
    s.put(put("b", "1").setLease(7));
    s.put(put("a", "1").setLease(7));
    s.put(put("kept", "1").setLease(8));
    awaitExpiry(s.fake(), 7);
    awaitExpiry(s.reference(), 7);
    s.range(all());
    s.range(all().setRevision(rev(5)));
    timeToLive(s, 7, true);
    try (StreamPair<LeaseKeepAliveRequest, LeaseKeepAliveResponse> stream = s.stream(LeaseGrpc.getLeaseKeepAliveMethod())) {
      stream.send(LeaseKeepAliveRequest.newBuilder().setID(7).build());
      assertThat(stream.next().ok().getTTL()).isZero();
    }
    revoke(s, 7);
    s.put(put("c", "1").setLease(7));
  }

  @Test
  void leasesAreListedSoonestExpiryFirst(Scenario s) {
    grant(s, 30, 300);
    grant(s, 10, 100);
    grant(s, 20, 200);
    assertThat(leases(s.fake())).containsExactly(10L, 20L, 30L).isEqualTo(leases(s.reference()));
    revoke(s, 20);
    assertThat(leases(s.fake())).containsExactly(10L, 30L).isEqualTo(leases(s.reference()));
  }
}
