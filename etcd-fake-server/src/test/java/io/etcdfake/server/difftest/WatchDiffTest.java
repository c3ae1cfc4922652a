package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.Kv.bytes;
import static io.etcdfake.server.difftest.Kv.delete;
import static io.etcdfake.server.difftest.Kv.op;
import static io.etcdfake.server.difftest.Kv.prefixEnd;
import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Kv.txn;
import static io.etcdfake.server.difftest.Scenario.rev;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchProgressRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import org.junit.jupiter.api.Test;

/**
 * The Watch service, §7 of the semantics checklist, on one raw stream per side. Only one watcher
 * matches any write here: etcd sends the responses of different watchers in no set order.
 */
@Differential
class WatchDiffTest {

  static WatchCreateRequest.Builder watch(String key) {
    return WatchCreateRequest.newBuilder().setKey(bytes(key));
  }

  static WatchCreateRequest.Builder watchPrefix(String prefix) {
    return watch(prefix).setRangeEnd(prefixEnd(prefix));
  }

  /** watch_id (field 7) is newer than jetcd's copy of rpc.proto: sent as an unknown field. */
  static WatchCreateRequest.Builder withId(WatchCreateRequest.Builder b, long id) {
    return b.setUnknownFields(UnknownFieldSet.newBuilder()
        .addField(7, UnknownFieldSet.Field.newBuilder().addVarint(id).build()).build());
  }

  static WatchRequest create(WatchCreateRequest.Builder c) {
    return WatchRequest.newBuilder().setCreateRequest(c).build();
  }

  static WatchRequest cancel(long id) {
    return WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(id)).build();
  }

  static StreamPair<WatchRequest, WatchResponse> open(Scenario s) {
    return s.stream(WatchGrpc.getWatchMethod());
  }

  @Test
  void idsCountFromZeroPerStreamAndLiveEventsCarryTheirRevision(Scenario s) {
    try (var w = open(s)) {
      w.send(create(watch("a")));
      assertThat(w.next().ok().getWatchId()).isZero();
      w.send(create(watch("b")));
      assertThat(w.next().ok().getWatchId()).isEqualTo(1);
      s.put(put("a", "1"));
      assertThat(w.next().ok().getHeader().getRevision()).isEqualTo(rev(2));
      s.put(put("b", "1"));
      w.next();
      s.delete(delete("a"));
      w.next();
    }
  }

  @Test
  void explicitIdsAutoIdsSkipThemAndADuplicateIsRefused(Scenario s) {
    try (var w = open(s)) {
      w.send(create(withId(watch("a"), 1)));
      w.next();
      w.send(create(watch("b")));
      w.next();
      w.send(create(watch("c")));
      assertThat(w.next().ok().getWatchId()).isEqualTo(2);
      w.send(create(withId(watch("d"), 1)));
      WatchResponse dup = w.next().ok();
      assertThat(dup.getWatchId()).isEqualTo(-1);
      assertThat(dup.getCancelReason()).isEqualTo("mvcc: duplicate watch ID provided on the WatchStream");
      w.send(create(withId(watch("e"), 100)));
      w.next();
      s.put(put("e", "1"));
      w.next();
    }
  }

  @Test
  void anEmptyRangeIsCreatedAndCanceled(Scenario s) {
    try (var w = open(s)) {
      w.send(create(watch("b").setRangeEnd(bytes("a"))));
      assertThat(w.next().ok().getCancelReason()).isEqualTo("mvcc: watcher range is empty");
      w.send(create(watch("b").setRangeEnd(bytes("b"))));
      w.next();
      w.send(create(watch("")));
      w.next();
      w.send(create(watch("").setRangeEnd(bytes("\0"))));
      w.next();
      s.put(put("x", "1"));
      w.next();
    }
  }

  @Test
  void pastStartRevisionReplaysHistoryInOneResponseWithPrevKv(Scenario s) {
    s.put(put("p/a", "1"));
    s.put(put("p/a", "2"));
    s.put(put("q", "1"));
    s.delete(delete("p/a"));
    s.txn(txn().addSuccess(op(put("p/b", "1"))).addSuccess(op(put("p/c", "1"))));
    try (var w = open(s)) {
      w.send(create(watchPrefix("p/").setStartRevision(rev(2)).setPrevKv(true)));
      w.next();
      WatchResponse replay = w.next().ok();
      assertThat(replay.getEventsCount()).isEqualTo(5);
      s.put(put("p/b", "2"));
      w.next();
    }
  }

  @Test
  void futureStartRevisionWaitsForIt(Scenario s) {
    try (var w = open(s)) {
      w.send(create(watch("k").setStartRevision(rev(3))));
      w.next();
      s.put(put("k", "1"));
      s.put(put("k", "2"));
      assertThat(w.next().ok().getEvents(0).getKv().getModRevision()).isEqualTo(rev(3));
    }
  }

  @Test
  void belowTheCompactRevisionIsCreatedThenCanceledWithIt(Scenario s) {
    s.put(put("k", "1"));
    s.put(put("k", "2"));
    s.put(put("k", "3"));
    s.compact(rev(3));
    try (var w = open(s)) {
      w.send(create(watch("k").setStartRevision(rev(2))));
      w.next();
      WatchResponse canceled = w.next().ok();
      assertThat(canceled.getCompactRevision()).isEqualTo(rev(3));
      assertThat(canceled.getHeader().getRevision()).isZero();
      // at the compact revision itself the watch works
      w.send(create(watch("k").setStartRevision(rev(3))));
      w.next();
      w.next();
    }
  }

  @Test
  void filtersAndPrevKvOfDeletes(Scenario s) {
    try (var w = open(s)) {
      w.send(create(watch("a").addFilters(WatchCreateRequest.FilterType.NOPUT).setPrevKv(true)));
      w.next();
      w.send(create(watch("b").addFilters(WatchCreateRequest.FilterType.NODELETE).setPrevKv(true)));
      w.next();
      s.put(put("a", "1"));
      s.put(put("b", "1"));
      w.next();
      s.put(put("b", "2"));
      w.next();
      s.delete(delete("b"));
      s.delete(delete("a"));
      w.next();
    }
  }

  @Test
  void cancelAnswersAKnownIdAndIgnoresAnUnknownOne(Scenario s) {
    try (var w = open(s)) {
      w.send(create(watch("a")));
      w.next();
      w.send(create(watch("b")));
      w.next();
      w.send(cancel(7));
      w.send(cancel(0));
      assertThat(w.next().ok().getCanceled()).isTrue();
      s.put(put("a", "1"));
      s.put(put("b", "1"));
      assertThat(w.next().ok().getWatchId()).isEqualTo(1);
    }
  }

  @Test
  void progressRequestWithEveryWatcherSynced(Scenario s) {
    try (var w = open(s)) {
      w.send(create(watch("a")));
      w.next();
      s.put(put("z", "1"));
      w.send(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
      WatchResponse progress = w.next().ok();
      assertThat(progress.getWatchId()).isEqualTo(-1);
      assertThat(progress.getHeader().getRevision()).isEqualTo(rev(2));
    }
  }

  @Test
  void progressRequestOnAStreamWithoutWatchersIsNotAnswered35(Scenario s) {
    // etcd 3.5.8+ answers only when watchers exist and are synced; 3.4 answers always
    if (!s.referenceIs34()) {
      try (var w = open(s)) {
        w.send(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
        w.send(create(watch("a")));
        assertThat(w.next().ok().getCreated()).isTrue();
      }
    }
  }

  @Test
  void aTxnIsOneResponse(Scenario s) {
    try (var w = open(s)) {
      w.send(create(watchPrefix("t/").setPrevKv(true)));
      w.next();
      s.put(put("t/a", "0"));
      w.next();
      s.txn(txn().addSuccess(op(put("t/a", "1"))).addSuccess(op(put("t/b", "1")))
          .addSuccess(op(delete("t/x"))).addSuccess(op(put("u", "1"))));
      assertThat(w.next().ok().getEventsCount()).isEqualTo(2);
    }
  }
}
