package io.etcdfake.server.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcdfake.server.MemberIdentity;
import io.etcdfake.server.lease.Lessor;
import io.etcdfake.server.lease.ManualClock;
import io.etcdfake.server.membership.Membership;
import io.etcdfake.server.mvcc.MvccStore;
import io.etcdfake.server.mvcc.Op;
import java.io.ByteArrayInputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * HashKV must equal a real etcd's for the same history. The expected values were answered by a
 * fresh etcd 3.4.23 (same algorithm in 3.5) to: put a 1; txn {put b 2, put c 3}; del a;
 * txn {put d 4, del c}; put b 22; compact 5; compact 6 ({@code etcdctl endpoint hashkv} after each).
 */
class KvHashTest {
  private final MvccStore store = new MvccStore();
  private final Maintenance maintenance = new Maintenance(store, new Lessor(store, new ManualClock(), 1), new Alarms(store),
      new Membership(MemberIdentity.defaults(), List::of), MemberIdentity.defaults(), Maintenance.DEFAULT_VERSION, 0);

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static Op.Put put(String k, String v) {
    return new Op.Put(b(k), b(v), 0, false, false, false);
  }

  private static Op.DeleteRange del(String k) {
    return new Op.DeleteRange(b(k), ByteString.EMPTY, false);
  }

  private long hashAt(long rev) {
    return Integer.toUnsignedLong(maintenance.hashKv(rev).hash());
  }

  private void writeEtcdsHistory() {
    store.put(put("a", "1"), 0);
    store.txn(new Op.Txn(List.of(), List.of(put("b", "2"), put("c", "3")), List.of()), 0);
    store.deleteRange(del("a"), 0);
    store.txn(new Op.Txn(List.of(), List.of(put("d", "4"), del("c")), List.of()), 0);
    store.put(put("b", "22"), 0);
  }

  @Test
  void equalsEtcdsHashAtEveryRevision() {
    assertThat(hashAt(0)).isEqualTo(1084519789L);
    writeEtcdsHistory();
    assertThat(hashAt(1)).isEqualTo(1084519789L);
    assertThat(hashAt(2)).isEqualTo(2587454935L);
    assertThat(hashAt(3)).isEqualTo(3827101964L);
    assertThat(hashAt(4)).isEqualTo(1620260698L);
    assertThat(hashAt(5)).isEqualTo(1693843051L);
    assertThat(hashAt(6)).isEqualTo(2424256143L);
    assertThat(hashAt(0)).isEqualTo(2424256143L);
    assertThat(maintenance.hashKv(0).compactRevision()).isEqualTo(-1);
  }

  @Test
  void equalsEtcdsHashAfterCompaction() {
    writeEtcdsHistory();
    store.compact(5);
    assertThat(hashAt(0)).isEqualTo(2718856071L);
    assertThat(maintenance.hashKv(0).compactRevision()).isEqualTo(5);
    store.compact(6);
    assertThat(hashAt(0)).isEqualTo(2718856071L);
    assertThat(maintenance.hashKv(0).compactRevision()).isEqualTo(6);
    assertThatThrownBy(() -> maintenance.hashKv(6)).hasMessage("etcdserver: mvcc: required revision has been compacted");
    assertThatThrownBy(() -> maintenance.hashKv(7)).hasMessage("etcdserver: mvcc: required revision is a future revision");
  }

  @Test
  void snapshotRestoresTheSameHistoryAndHash() throws Exception {
    writeEtcdsHistory();
    // a compaction that keeps a version at sub-revision 1 of a txn
    store.txn(new Op.Txn(List.of(), List.of(put("x", "1"), put("y", "1")), List.of()), 0);
    store.put(put("x", "2"), 0);
    store.compact(7);
    long hash = hashAt(0);
    byte[] snapshot = maintenance.snapshot();

    MvccStore other = new MvccStore();
    Maintenance restored = new Maintenance(other, new Lessor(other, new ManualClock(), 1), new Alarms(other), new Membership(MemberIdentity.defaults(), List::of),
        MemberIdentity.defaults(), Maintenance.DEFAULT_VERSION, 0);
    restored.restore(new ByteArrayInputStream(snapshot));
    assertThat(other.currentRevision()).isEqualTo(8);
    assertThat(other.compactRevision()).isEqualTo(7);
    assertThat(Integer.toUnsignedLong(restored.hashKv(0).hash())).isEqualTo(hash);
    assertThat(other.exportState()).isEqualTo(store.exportState());
    assertThat(other.get(b("y"), 8).modRevision()).isEqualTo(7);
    // history above the compaction is readable, and the next write takes the next revision
    assertThat(other.get(b("x"), 7).value()).isEqualTo(b("1"));
    assertThat(other.put(put("z", "1"), 0).revision()).isEqualTo(9);
  }

  @Test
  void changesWithTheDataAndNotOtherwise() {
    store.put(put("k", "v"), 0);
    long first = hashAt(0);
    assertThat(hashAt(0)).isEqualTo(first);
    store.put(put("k", "v"), 0);
    assertThat(hashAt(0)).isNotEqualTo(first);
    assertThat(hashAt(2)).isEqualTo(first);
  }
}
