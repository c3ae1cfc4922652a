package io.etcdfake.server.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcdfake.server.errors.EtcdException;
import io.etcdfake.server.mvcc.Event;
import io.etcdfake.server.mvcc.KeyRange;
import io.etcdfake.server.mvcc.MvccStore;
import io.etcdfake.server.mvcc.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The hub without any network: delivery, catch-up from history, compaction, filters, prev_kv. */
class WatchHubTest {
  private final MvccStore store = new MvccStore();
  private final WatchHub hub = new WatchHub(store, Duration.ofMinutes(10));

  @AfterEach
  void close() {
    hub.close();
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private long put(String key, String value) {
    return store.put(Op.Put.of(bytes(key), bytes(value)), 0).revision();
  }

  private long delete(String key) {
    return store.deleteRange(new Op.DeleteRange(bytes(key), ByteString.EMPTY, false), 0).revision();
  }

  private static KeyRange prefix(String p) {
    byte[] end = p.getBytes();
    end[end.length - 1]++;
    return KeyRange.of(bytes(p), ByteString.copyFrom(end));
  }

  /** Records every call; can refuse events while {@code full} is set, as a stream with a full queue. */
  static final class Recorder implements WatchListener {
    final List<Long> headers = new ArrayList<>();
    final List<List<Event>> batches = new ArrayList<>();
    final AtomicBoolean full = new AtomicBoolean();
    long createdAt = -1;
    long compactRevision = -1;
    String cancelReason;
    final CountDownLatch canceled = new CountDownLatch(1);

    @Override
    public synchronized void onCreated(long revision) {
      createdAt = revision;
    }

    @Override
    public synchronized boolean onEvents(long revision, List<Event> events) {
      if (full.get()) {
        return false;
      }
      headers.add(revision);
      batches.add(List.copyOf(events));
      notifyAll();
      return true;
    }

    @Override
    public void onCanceled(long compactRevision, String reason) {
      this.compactRevision = compactRevision;
      this.cancelReason = reason;
      canceled.countDown();
    }

    synchronized List<Long> revisions() {
      List<Long> out = new ArrayList<>();
      for (List<Event> b : batches) {
        for (Event e : b) {
          out.add(e.revision());
        }
      }
      return out;
    }

    /** Waits (up to 30 s) until an event of {@code revision} has arrived. */
    synchronized void awaitRevision(long revision) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (revisions().isEmpty() || revisions().get(revisions().size() - 1) < revision) {
        long left = deadline - System.nanoTime();
        assertThat(left).as("waiting for revision " + revision + ", got " + revisions()).isPositive();
        wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
      }
    }
  }

  @Test
  void liveEventsOneCallPerRevisionWithTheRevisionAsHeader() {
    Recorder r = new Recorder();
    hub.watch(prefix("a"), 0, WatchOptions.DEFAULT, r);
    assertThat(r.createdAt).isEqualTo(1);
    long r1 = put("a1", "x");
    put("b", "x");
    long r3 = delete("a1");
    assertThat(r.headers).containsExactly(r1, r3);
    assertThat(r.batches.get(1).get(0).type()).isEqualTo(Event.Type.DELETE);
    assertThat(hub.watcherCount()).isEqualTo(1);
  }

  @Test
  void txnEventsArriveTogether() {
    Recorder r = new Recorder();
    hub.watch(KeyRange.of(bytes("\0"), bytes("\0")), 0, WatchOptions.DEFAULT, r);
    store.txn(new Op.Txn(List.of(), List.of(Op.Put.of(bytes("x"), bytes("1")), Op.Put.of(bytes("y"), bytes("1"))),
        List.of()), 0);
    assertThat(r.batches).hasSize(1);
    assertThat(r.batches.get(0)).extracting(e -> e.kv().key().toStringUtf8()).containsExactly("x", "y");
  }

  @Test
  void replaysHistoryFromAPastRevisionInBatchesOfAThousandRevisions() throws InterruptedException {
    for (int i = 0; i < 2500; i++) {
      put("k", "v" + i);
    }
    long current = store.currentRevision();
    Recorder r = new Recorder();
    hub.watch(KeyRange.single(bytes("k")), 2, WatchOptions.DEFAULT, r);
    r.awaitRevision(current);
    long last = put("k", "live");
    r.awaitRevision(last);
    synchronized (r) {
      assertThat(r.batches.subList(0, 3)).extracting(List::size).containsExactly(1000, 1000, 500);
      assertThat(r.headers.subList(0, 3)).containsOnly(current);
      assertThat(r.revisions()).hasSize(2501).isSorted().doesNotHaveDuplicates();
    }
  }

  @Test
  void futureStartRevisionWaits() {
    Recorder r = new Recorder();
    hub.watch(KeyRange.single(bytes("k")), 3, WatchOptions.DEFAULT, r);
    put("k", "a");
    long r3 = put("k", "b");
    assertThat(r.revisions()).containsExactly(r3);
  }

  @Test
  void belowTheCompactRevisionIsCanceledWithIt() throws InterruptedException {
    put("k", "a");
    put("k", "b");
    long r4 = put("k", "c");
    store.compact(r4);
    Recorder r = new Recorder();
    hub.watch(KeyRange.single(bytes("k")), 2, WatchOptions.DEFAULT, r);
    assertThat(r.canceled.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(r.compactRevision).isEqualTo(r4);
    assertThat(hub.watcherCount()).isZero();
  }

  @Test
  void aStalledWatcherCatchesUpExactlyOnceInOrderWithoutBlockingWriters() throws InterruptedException {
    Recorder slow = new Recorder();
    Recorder fast = new Recorder();
    hub.watch(prefix("p"), 0, WatchOptions.DEFAULT, slow);
    hub.watch(prefix("p"), 0, WatchOptions.DEFAULT, fast);
    put("p1", "0");
    slow.full.set(true);
    long last = 0;
    for (int i = 0; i < 500; i++) {
      last = put("p" + (i % 7), "v" + i);
    }
    assertThat(fast.revisions()).hasSize(501);
    slow.full.set(false);
    slow.awaitRevision(last);
    assertThat(slow.revisions()).isEqualTo(fast.revisions());
  }

  @Test
  void aStalledWatcherOvertakenByCompactionIsCanceled() throws InterruptedException {
    Recorder slow = new Recorder();
    hub.watch(KeyRange.single(bytes("k")), 0, WatchOptions.DEFAULT, slow);
    slow.full.set(true);
    put("k", "1");
    long r3 = put("k", "2");
    store.compact(r3);
    slow.full.set(false);
    assertThat(slow.canceled.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(slow.compactRevision).isEqualTo(r3);
  }

  @Test
  void prevKvForUpdatesAndDeletesNotForCreates() {
    Recorder r = new Recorder();
    hub.watch(KeyRange.single(bytes("k")), 0, WatchOptions.DEFAULT.withPrevKv(), r);
    put("k", "1");
    put("k", "2");
    delete("k");
    assertThat(r.batches.get(0).get(0).prevKv()).isNull();
    assertThat(r.batches.get(1).get(0).prevKv().value().toStringUtf8()).isEqualTo("1");
    assertThat(r.batches.get(2).get(0).prevKv().value().toStringUtf8()).isEqualTo("2");
  }

  @Test
  void filtersDropEventsAndEmptyResponses() {
    Recorder noPut = new Recorder();
    Recorder noDelete = new Recorder();
    hub.watch(KeyRange.single(bytes("k")), 0, new WatchOptions(false, true, false), noPut);
    hub.watch(KeyRange.single(bytes("k")), 0, new WatchOptions(false, false, true), noDelete);
    put("k", "1");
    long del = delete("k");
    assertThat(noPut.revisions()).containsExactly(del);
    assertThat(noDelete.revisions()).containsExactly(del - 1);
  }

  @Test
  void cancelStopsDeliveryAndResetCancelsEveryWatcher() {
    Recorder a = new Recorder();
    Recorder b = new Recorder();
    Watcher wa = hub.watch(KeyRange.single(bytes("k")), 0, WatchOptions.DEFAULT, a);
    hub.watch(KeyRange.single(bytes("k")), 0, WatchOptions.DEFAULT, b);
    assertThat(wa.cancel()).isTrue();
    assertThat(wa.cancel()).isFalse();
    put("k", "1");
    assertThat(a.batches).isEmpty();
    store.atomically(() -> {
      store.reset();
      hub.reset("reset");
      return null;
    });
    assertThat(b.cancelReason).isEqualTo("reset");
    assertThat(hub.watcherCount()).isZero();
    Recorder c = new Recorder();
    hub.watch(KeyRange.single(bytes("k")), 0, WatchOptions.DEFAULT, c);
    assertThat(c.createdAt).isEqualTo(1);
    assertThat(put("k", "again")).isEqualTo(2);
    assertThat(c.revisions()).containsExactly(2L);
  }

  @Test
  void negativeStartAndEmptyRangeAreRefused() {
    assertThatThrownBy(() -> hub.watch(KeyRange.single(bytes("k")), -1, WatchOptions.DEFAULT, new Recorder()))
        .isInstanceOf(EtcdException.class).hasMessage("etcdserver: mvcc: required revision has been compacted");
    assertThatThrownBy(() -> hub.watch(KeyRange.of(bytes("b"), bytes("a")), 0, WatchOptions.DEFAULT, new Recorder()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
