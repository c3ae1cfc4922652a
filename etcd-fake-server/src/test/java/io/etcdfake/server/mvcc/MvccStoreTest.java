package io.etcdfake.server.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcdfake.server.errors.EtcdException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The store alone, no network: what the differential scenarios cannot show or a 3.4 cannot check. */
class MvccStoreTest {
  private static final ByteString ZERO = bytes("\0");
  private final MvccStore store = new MvccStore();

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private long put(String key, String value) {
    return store.put(Op.Put.of(bytes(key), bytes(value)), 0).revision();
  }

  private static Op.Range range(String key, String end, long limit, int order, int target) {
    return new Op.Range(bytes(key), bytes(end), limit, 0, order, target, false, false, false, 0, 0, 0, 0);
  }

  private static List<String> keys(Result.Range r) {
    return r.kvs().stream().map(kv -> kv.key().toStringUtf8()).toList();
  }

  @Test
  void revisionsVersionsAndGenerations() {
    assertThat(store.currentRevision()).isEqualTo(1);
    assertThat(put("a", "1")).isEqualTo(2);
    assertThat(put("a", "1")).isEqualTo(3);
    assertThat(store.get(bytes("a"), 3)).extracting(KeyValue::createRevision, KeyValue::modRevision, KeyValue::version)
        .containsExactly(2L, 3L, 2L);
    assertThat(store.deleteRange(new Op.DeleteRange(bytes("a"), ByteString.EMPTY, false), 0).revision()).isEqualTo(4);
    assertThat(store.deleteRange(new Op.DeleteRange(bytes("a"), ByteString.EMPTY, false), 0).revision()).isEqualTo(4);
    assertThat(put("a", "2")).isEqualTo(5);
    assertThat(store.get(bytes("a"), 5)).extracting(KeyValue::createRevision, KeyValue::version).containsExactly(5L, 1L);
    assertThat(store.get(bytes("a"), 4)).isNull();
    assertThat(store.get(bytes("a"), 2).value()).isEqualTo(bytes("1"));
  }

  /** Seen on etcd: a target other than KEY with order NONE sorts only the limit+1 keys read in key order. */
  @Test
  void sortTargetWithoutOrderSortsOnlyTheLimitWindow() {
    put("a", "3");
    put("b", "2");
    put("c", "1");
    put("d", "0");
    // reads a, b, c; sorted by value: c, b, a
    assertThat(keys(store.range(range("a", "z", 2, Op.Range.SORT_NONE, Op.Range.TARGET_VALUE)))).containsExactly("c", "b");
    assertThat(keys(store.range(range("a", "z", 2, Op.Range.SORT_ASCEND, Op.Range.TARGET_VALUE)))).containsExactly("d", "c");
    Result.Range window = store.range(range("a", "z", 3, Op.Range.SORT_NONE, Op.Range.TARGET_VALUE));
    assertThat(keys(window)).containsExactly("d", "c", "b");
    assertThat(window.more()).isTrue();
    assertThat(window.count()).isEqualTo(4);
  }

  @Test
  void hugeLimitsReturnEverything() {
    put("a", "1");
    put("b", "2");
    Result.Range r = store.range(range("a", "z", Long.MAX_VALUE, Op.Range.SORT_NONE, Op.Range.TARGET_KEY));
    assertThat(keys(r)).containsExactly("a", "b");
    assertThat(r.more()).isFalse();
    assertThat(keys(store.range(range("a", "z", Integer.MAX_VALUE, Op.Range.SORT_NONE, Op.Range.TARGET_KEY)))).hasSize(2);
  }

  /** etcd 3.5 refuses unknown sort enum numbers (3.4 did not check, and crashed on an unknown target). */
  @Test
  void unknownSortNumbersAreRefusedAsEtcd35Does() {
    put("a", "1");
    for (int[] bad : new int[][] {{3, 0}, {-1, 0}, {0, 5}, {1, -2}}) {
      assertThatThrownBy(() -> store.range(range("a", "", 0, bad[0], bad[1])))
          .isInstanceOf(EtcdException.class).hasMessage("etcdserver: invalid sort option");
    }
  }

  @Test
  void compactZeroIsAcceptedOnAFreshStoreOnly() {
    assertThat(store.compactRevision()).isEqualTo(-1);
    assertThat(store.compact(0)).isEqualTo(1);
    assertThatThrownBy(() -> store.compact(0)).hasMessage("etcdserver: mvcc: required revision has been compacted");
    assertThat(store.compact(1)).isEqualTo(1);
    assertThatThrownBy(() -> store.compact(2)).hasMessage("etcdserver: mvcc: required revision is a future revision");
  }

  @Test
  void compactionForgetsOnlyWhatNoReadCanSee() {
    put("a", "1");
    put("a", "2");
    store.deleteRange(new Op.DeleteRange(bytes("a"), ByteString.EMPTY, false), 0);
    put("b", "1");
    store.compact(4);
    assertThat(store.get(bytes("a"), 4)).isNull();
    assertThat(store.get(bytes("a"), 3)).isNull();
    assertThatThrownBy(() -> store.changes(3, 5, 10)).hasMessageContaining("compacted");
    // etcd's compaction removes tombstones at or below the compact revision, the one at 4 too
    assertThat(store.changes(4, 5, 10)).extracting(Event::type).containsExactly(Event.Type.PUT);
    assertThat(keys(store.range(range("\0", "\0", 0, 0, 0)))).containsExactly("b");
  }

  @Test
  void deleteKeysIsOneRevisionInKeyOrder() {
    put("b", "1");
    put("a", "1");
    put("c", "1");
    List<Long> committed = new ArrayList<>();
    store.addCommitListener(committed::add);
    assertThat(store.deleteKeys(List.of(bytes("c"), bytes("a"), bytes("missing")))).isEqualTo(5);
    assertThat(store.deleteKeys(List.of(bytes("missing")))).isEqualTo(5);
    assertThat(committed).containsExactly(5L);
    assertThat(store.changes(5, 5, 10)).extracting(e -> e.kv().key().toStringUtf8()).containsExactly("a", "c");
  }

  @Test
  void aTxnThatFailsItsChecksWritesNothing() {
    put("a", "1");
    Op.Txn txn = new Op.Txn(List.of(),
        List.of(Op.Put.of(bytes("b"), bytes("1")), new Op.Put(bytes("c"), bytes("1"), 42, false, false, false)), List.of());
    assertThatThrownBy(() -> store.txn(txn, 0)).hasMessage("etcdserver: requested lease not found");
    assertThat(store.currentRevision()).isEqualTo(2);
    assertThat(store.get(bytes("b"), 3)).isNull();
  }

  @Test
  void resetGoesBackToAnEmptyStoreAtRevisionOne() {
    put("a", "1");
    store.compact(2);
    store.reset();
    assertThat(store.currentRevision()).isEqualTo(1);
    assertThat(store.compactRevision()).isEqualTo(-1);
    assertThat(store.range(range("\0", "\0", 0, 0, 0)).count()).isZero();
    assertThat(put("a", "2")).isEqualTo(2);
  }

  /** Readers take no lock: each txn writes a and b together, and no read may see one without the other. */
  @Test
  void readersNeverSeeHalfATxn() throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<String> torn = new AtomicReference<>();
    Thread reader = new Thread(() -> {
      while (!done.get() && torn.get() == null) {
        List<KeyValue> kvs = store.range(range("a", "c", 0, 0, 0)).kvs();
        if (kvs.size() == 1 || (kvs.size() == 2 && !kvs.get(0).value().equals(kvs.get(1).value()))) {
          torn.set(kvs.toString());
        }
      }
    });
    reader.start();
    for (int i = 0; i < 5000; i++) {
      String v = Integer.toString(i);
      store.txn(new Op.Txn(List.of(), List.of(Op.Put.of(bytes("a"), bytes(v)), Op.Put.of(bytes("b"), bytes(v))), List.of()), 0);
    }
    done.set(true);
    reader.join();
    assertThat(torn.get()).isNull();
    assertThat(store.currentRevision()).isEqualTo(5001);
  }

  @Test
  void openEndedAndPrefixRanges() {
    put("a", "1");
    put("b", "1");
    put("b/c", "1");
    assertThat(keys(store.range(range("b", "\0", 0, 0, 0)))).containsExactly("b", "b/c");
    assertThat(keys(store.range(new Op.Range(ZERO, ZERO, 0, 0, 0, 0, false, false, false, 0, 0, 0, 0)))).hasSize(3);
    assertThat(keys(store.range(range("b", "a", 0, 0, 0)))).isEmpty();
  }
  /**
   * The footprint is kept by each commit and compaction; it must always equal what walking every
   * retained version (the snapshot's entries) gives, whatever wrote, deleted, failed or compacted.
   */
  @Test
  void footprintFollowsEveryRetainedVersion() {
    java.util.Random random = new java.util.Random(20261129);
    assertThat(store.footprint()).isEqualTo(Footprint.EMPTY);
    for (int step = 0; step < 3_000; step++) {
      ByteString key = bytes("k" + random.nextInt(40));
      ByteString value = bytes("v".repeat(random.nextInt(50)));
      switch (random.nextInt(8)) {
        case 0, 1, 2 -> store.put(Op.Put.of(key, value), 0);
        case 3 -> store.deleteRange(new Op.DeleteRange(key, bytes("k" + random.nextInt(40)), false), 0);
        // one revision of several changes
        case 4 -> store.txn(new Op.Txn(List.of(), List.of(Op.Put.of(key, value),
            new Op.DeleteRange(bytes("l"), bytes("m"), false), Op.Put.of(bytes("t"), value)), List.of()), 0);
        // a txn that fails its checks (ignore_value of a key that does not exist): nothing retained
        case 5 -> assertThatThrownBy(() -> store.txn(new Op.Txn(List.of(), List.of(Op.Put.of(key, value),
            new Op.Put(bytes("absent"), ByteString.EMPTY, 0, false, true, false)), List.of()), 0)).isInstanceOf(EtcdException.class);
        case 6 -> store.deleteKeys(List.of(key, bytes("t")));
        default -> {
          if (store.compactRevision() < store.currentRevision()) {
            store.compact(store.compactRevision() + 1
                + random.nextInt((int) (store.currentRevision() - store.compactRevision())));
          }
        }
      }
      assertThat(store.footprint()).as("after step %d", step).isEqualTo(measured(store.exportState()));
    }
    assertThat(store.footprint().versions()).isPositive();

    MvccStore restored = new MvccStore();
    restored.importState(store.exportState());
    assertThat(restored.footprint()).isEqualTo(store.footprint());
    store.reset();
    assertThat(store.footprint()).isEqualTo(Footprint.EMPTY);
  }

  private static Footprint measured(MvccState state) {
    long bytes = 0;
    for (MvccState.Entry e : state.entries()) {
      bytes += e.kv().key().size() + e.kv().value().size();
    }
    return new Footprint(state.entries().size(), bytes);
  }
}
