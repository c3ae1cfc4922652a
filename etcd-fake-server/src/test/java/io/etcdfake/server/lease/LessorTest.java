package io.etcdfake.server.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcdfake.server.errors.EtcdException;
import io.etcdfake.server.errors.StatusCode;
import io.etcdfake.server.mvcc.Event;
import io.etcdfake.server.mvcc.MvccStore;
import io.etcdfake.server.mvcc.Op;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The lessor over a store with a manual clock: no network, no waiting. */
class LessorTest {
  private static final long MEMBER_ID = 0x8e9e05c52164694dL;
  private final MvccStore store = new MvccStore();
  private final ManualClock clock = new ManualClock();
  private final Lessor lessor = new Lessor(store, clock, MEMBER_ID);

  {
    store.setLeaseIndex(lessor);
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private long put(String key, long lease) {
    return store.put(new Op.Put(bytes(key), bytes("v"), lease, false, false, false), 0).revision();
  }

  private boolean exists(String key) {
    return store.get(bytes(key), store.currentRevision()) != null;
  }

  private static List<String> utf8(List<ByteString> keys) {
    return keys.stream().map(ByteString::toStringUtf8).toList();
  }

  @Test
  void ttlBelowTheMinimumIsRaisedToTwoSeconds() {
    assertThat(lessor.grant(1, 0).ttl()).isEqualTo(2);
    assertThat(lessor.grant(2, -7).ttl()).isEqualTo(2);
    assertThat(lessor.grant(3, 1).ttl()).isEqualTo(2);
    assertThat(lessor.grant(4, 3).ttl()).isEqualTo(3);
    assertThat(lessor.grant(5, Lessor.MAX_TTL_SECONDS).ttl()).isEqualTo(Lessor.MAX_TTL_SECONDS);
  }

  @Test
  void tooLargeTtlIsRefusedBeforeTheDuplicateCheck() {
    lessor.grant(1, 10);
    assertThatThrownBy(() -> lessor.grant(1, Lessor.MAX_TTL_SECONDS + 1))
        .isInstanceOf(EtcdException.class)
        .hasMessage("etcdserver: too large lease TTL")
        .satisfies(e -> assertThat(((EtcdException) e).code()).isEqualTo(StatusCode.OUT_OF_RANGE));
    assertThatThrownBy(() -> lessor.grant(1, 10))
        .hasMessage("etcdserver: lease already exists")
        .satisfies(e -> assertThat(((EtcdException) e).code()).isEqualTo(StatusCode.FAILED_PRECONDITION));
  }

  @Test
  void chosenIdsArePositiveUniqueAndCarryTheMemberIdLikeEtcds() {
    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      long id = lessor.grant(0, 60).id();
      assertThat(id).isPositive();
      assertThat(id >>> 48).isEqualTo(0x694dL);
      ids.add(id);
    }
    assertThat(ids).hasSize(1000);
  }

  @Test
  void putAttachesPutWithoutDetachesDeleteDetaches() {
    lessor.grant(1, 60);
    lessor.grant(2, 60);
    put("a", 1);
    put("b", 1);
    put("c", 1);
    assertThat(utf8(lessor.keysOf(1))).containsExactly("a", "b", "c");
    put("b", 0);
    put("c", 2);
    store.deleteRange(new Op.DeleteRange(bytes("a"), ByteString.EMPTY, false), 0);
    assertThat(lessor.keysOf(1)).isEmpty();
    assertThat(utf8(lessor.keysOf(2))).containsExactly("c");
    assertThatThrownBy(() -> put("d", 3)).hasMessage("etcdserver: requested lease not found");
  }

  @Test
  void revokeDeletesTheKeysInOneRevisionInKeyOrder() {
    lessor.grant(7, 60);
    put("z", 7);
    put("m", 7);
    put("a", 7);
    put("other", 0);
    long before = store.currentRevision();
    long rev = lessor.revoke(7);
    assertThat(rev).isEqualTo(before + 1).isEqualTo(store.currentRevision());
    List<Event> events = store.changes(rev, rev, 100);
    assertThat(events).extracting(Event::type).containsOnly(Event.Type.DELETE);
    assertThat(events).extracting(e -> e.kv().key().toStringUtf8()).containsExactly("a", "m", "z");
    assertThat(exists("other")).isTrue();
    assertThat(lessor.exists(7)).isFalse();
    assertThatThrownBy(() -> lessor.revoke(7))
        .hasMessage("etcdserver: requested lease not found")
        .satisfies(e -> assertThat(((EtcdException) e).code()).isEqualTo(StatusCode.NOT_FOUND));
  }

  @Test
  void revokeWithoutKeysMakesNoRevision() {
    lessor.grant(7, 60);
    long before = store.currentRevision();
    assertThat(lessor.revoke(7)).isEqualTo(before);
  }

  @Test
  void advancingTheClockExpiresDueLeasesBeforeItReturns() {
    lessor.grant(1, 60);
    lessor.grant(2, 120);
    put("k1", 1);
    put("k2", 2);
    clock.advance(Duration.ofSeconds(59));
    assertThat(exists("k1")).isTrue();
    clock.advance(Duration.ofSeconds(1)); // exactly at the deadline: expired, as etcd's "not before expiry"
    assertThat(exists("k1")).isFalse();
    assertThat(lessor.exists(1)).isFalse();
    assertThat(exists("k2")).isTrue();
    List<Event> events = store.changes(store.currentRevision(), store.currentRevision(), 10);
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo(Event.Type.DELETE);
      assertThat(e.kv().key().toStringUtf8()).isEqualTo("k1");
    });
  }

  @Test
  void expiredLeasesAreRevokedSoonestFirstEachInItsOwnRevision() {
    lessor.grant(1, 20);
    lessor.grant(2, 10);
    put("one", 1);
    put("two", 2);
    long before = store.currentRevision();
    clock.advance(Duration.ofSeconds(30));
    assertThat(store.currentRevision()).isEqualTo(before + 2);
    assertThat(store.changes(before + 1, before + 1, 10)).extracting(e -> e.kv().key().toStringUtf8()).containsExactly("two");
    assertThat(store.changes(before + 2, before + 2, 10)).extracting(e -> e.kv().key().toStringUtf8()).containsExactly("one");
  }

  @Test
  void keepAliveRenewsForTheGrantedTtl() {
    lessor.grant(1, 10);
    put("k", 1);
    clock.advance(Duration.ofSeconds(9));
    assertThat(lessor.timeToLive(1).ttl()).isEqualTo(1);
    assertThat(lessor.keepAlive(1)).isEqualTo(10);
    assertThat(lessor.timeToLive(1).ttl()).isEqualTo(10);
    clock.advance(Duration.ofSeconds(9));
    assertThat(exists("k")).isTrue();
    clock.advance(Duration.ofSeconds(1));
    assertThat(exists("k")).isFalse();
    assertThat(lessor.keepAlive(1)).isZero();
    assertThat(lessor.keepAlive(12345)).isZero();
  }

  @Test
  void timeToLiveTruncatesAndListsKeysInKeyOrder() {
    lessor.grant(1, 60);
    put("b", 1);
    put("a", 1);
    clock.advance(Duration.ofMillis(500));
    Lessor.TimeToLive t = lessor.timeToLive(1);
    assertThat(t.ttl()).isEqualTo(59);
    assertThat(t.grantedTtl()).isEqualTo(60);
    assertThat(utf8(t.keys())).containsExactly("a", "b");
    assertThat(lessor.timeToLive(99)).isEqualTo(new Lessor.TimeToLive(99, -1, 0, List.of()));
  }

  @Test
  void leasesAreListedSoonestExpiryFirst() {
    lessor.grant(1, 30);
    lessor.grant(2, 10);
    lessor.grant(3, 20);
    assertThat(lessor.leases()).containsExactly(2L, 3L, 1L);
    lessor.keepAlive(2);
    clock.advance(Duration.ofSeconds(5));
    lessor.keepAlive(2); // now due at 15 s
    assertThat(lessor.leases()).containsExactly(2L, 3L, 1L);
    clock.advance(Duration.ofSeconds(5));
    lessor.keepAlive(2); // now due at 20 s, as 3 is: ties go by id
    assertThat(lessor.leases()).containsExactly(2L, 3L, 1L);
    clock.advance(Duration.ofSeconds(5));
    lessor.keepAlive(2); // due at 25 s
    assertThat(lessor.leases()).containsExactly(3L, 2L, 1L);
  }

  @Test
  void noKeyOutlivesItsLeaseWhenPutsRaceTheRevoke() throws Exception {
    for (int round = 0; round < 20; round++) {
      long id = 1000 + round;
      lessor.grant(id, 60);
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      List<Thread> writers = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        String prefix = round + "/" + t + "/";
        Thread w = new Thread(() -> {
          try {
            go.await();
            for (int i = 0; i < 200; i++) {
              put(prefix + i, id);
            }
          } catch (EtcdException | InterruptedException e) {
            // the lease is gone: the rest of this writer's puts are refused
          }
        });
        w.start();
        writers.add(w);
      }
      go.countDown();
      lessor.revoke(id);
      for (Thread w : writers) {
        w.join(30_000);
      }
      long leftOver = store.snapshot(io.etcdfake.server.mvcc.KeyRange.of(bytes("\0"), bytes("\0"))).stream()
          .filter(kv -> kv.lease() == id)
          .count();
      assertThat(leftOver).as("keys left with revoked lease %d", id).isZero();
    }
  }

  @Test
  void resetDropsEveryLease() {
    lessor.grant(1, 60);
    lessor.reset();
    assertThat(lessor.leases()).isEmpty();
    assertThat(lessor.exists(1)).isFalse();
  }

  @Test
  void theSystemClockCannotBeAdvanced() {
    assertThatThrownBy(() -> Clock.system().advance(Duration.ofSeconds(1)))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("manualClock()");
  }
}
