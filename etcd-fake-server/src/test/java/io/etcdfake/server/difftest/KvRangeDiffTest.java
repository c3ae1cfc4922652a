package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.Kv.all;
import static io.etcdfake.server.difftest.Kv.delete;
import static io.etcdfake.server.difftest.Kv.get;
import static io.etcdfake.server.difftest.Kv.prefix;
import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Kv.range;
import static io.etcdfake.server.difftest.Scenario.rev;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest.SortOrder;
import io.etcd.jetcd.api.RangeRequest.SortTarget;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** Range: key forms, revisions, limit / more / count, sorting, filters and projections. */
@Differential
class KvRangeDiffTest {

  /**
   * Keys whose versions, create and mod revisions and values each order them differently, with ties
   * in every target: a(v1 c2 m2 "3"), b(v3 c3 m7 "1"), b/x(v1 c4 m4 "3"), c(v2 c5 m6 "2"), d(v1 c8 m8 "1").
   */
  private static void fill(Scenario s) {
    s.put(put("a", "3"));
    s.put(put("b", "x"));
    s.put(put("b/x", "3"));
    s.put(put("c", "0"));
    s.put(put("b", "y"));
    s.put(put("c", "2"));
    s.put(put("b", "1"));
    s.put(put("d", "1"));
  }

  @Test
  void emptyStoreIsAtRevisionOne(Scenario s) {
    assertThat(s.range(all()).ok().getHeader().getRevision()).isEqualTo(rev(1));
    s.range(get("missing"));
    s.range(prefix("missing"));
  }

  @Test
  void rangeEndForms(Scenario s) {
    fill(s);
    s.range(get("b"));
    s.range(prefix("b"));
    s.range(range("b", Kv.FROM_KEY));
    s.range(all());
    s.range(range("b", "c"));
    s.range(range("c", "b"));
    s.range(range("b", "b"));
    s.range(range(Kv.FROM_KEY, "c"));
    s.range(range("\0", "\0\0"));
  }

  @Test
  void emptyKeyIsRefused(Scenario s) {
    s.put(put("a", "1"));
    assertThat(s.range(get("")).description()).isEqualTo("etcdserver: key is not provided");
    s.range(range("", "z"));
    s.range(get("").setRangeEnd(Kv.bytes(Kv.FROM_KEY)));
  }

  @Test
  void historicalReads(Scenario s) {
    fill(s);
    s.delete(delete("a"));
    s.put(put("a", "again"));
    for (long r = 1; r <= 11; r++) {
      s.range(all().setRevision(rev(r)));
      s.range(get("b").setRevision(rev(r)));
    }
    s.range(get("a").setRevision(-3));
  }

  @Test
  void futureRevision(Scenario s) {
    s.put(put("a", "1"));
    s.range(get("a").setRevision(rev(2)));
    assertThat(s.range(get("a").setRevision(rev(3))).code()).isEqualTo(Status.Code.OUT_OF_RANGE);
    s.range(all().setRevision(rev(100)));
  }

  @Test
  void compactedRevision(Scenario s) {
    s.put(put("a", "1"));
    s.put(put("a", "2"));
    s.put(put("b", "1"));
    s.compact(rev(3));
    s.range(get("a").setRevision(rev(2)));
    s.range(get("a").setRevision(rev(3)));
    s.range(all().setRevision(rev(3)));
    s.range(all().setRevision(rev(4)));
    s.range(all().setRevision(rev(5)));
  }

  @Test
  void limitMoreAndCount(Scenario s) {
    fill(s);
    for (long limit = -1; limit <= 6; limit++) {
      s.range(all().setLimit(limit));
      s.range(prefix("b").setLimit(limit));
    }
    s.range(get("a").setLimit(1));
    s.range(all().setLimit(Long.MAX_VALUE));
  }

  @Test
  void everySortTargetAndOrder(Scenario s) {
    fill(s);
    for (SortTarget target : new SortTarget[] {SortTarget.KEY, SortTarget.VERSION, SortTarget.CREATE, SortTarget.MOD, SortTarget.VALUE}) {
      for (SortOrder order : new SortOrder[] {SortOrder.NONE, SortOrder.ASCEND, SortOrder.DESCEND}) {
        s.range(all().setSortTarget(target).setSortOrder(order));
        for (long limit = 1; limit <= 3; limit++) {
          s.range(all().setSortTarget(target).setSortOrder(order).setLimit(limit));
        }
        s.range(all().setSortTarget(target).setSortOrder(order).setRevision(rev(6)));
        s.range(all().setSortTarget(target).setSortOrder(order).setKeysOnly(true).setLimit(2));
      }
    }
  }

  @Test
  void unknownSortEnumsAreRefusedSince35(Scenario s) {
    s.put(put("a", "1"));
    String why = "etcd 3.5 checks sort_order and sort_target numbers; 3.4 does not";
    for (int[] bad : new int[][] {{3, 0}, {-1, 0}, {0, 5}, {1, 99}}) {
      Outcome<?> o = s.call35(why, KVGrpc.getRangeMethod(), all().setSortOrderValue(bad[0]).setSortTargetValue(bad[1]).build());
      assertThat(o.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(o.description()).isEqualTo("etcdserver: invalid sort option");
    }
  }

  @Test
  void keysOnlyAndCountOnly(Scenario s) {
    fill(s);
    s.range(all().setKeysOnly(true));
    s.range(get("b").setKeysOnly(true));
    s.range(all().setCountOnly(true));
    s.range(all().setCountOnly(true).setLimit(2));
    s.range(all().setCountOnly(true).setKeysOnly(true));
    s.range(all().setCountOnly(true).setMinModRevision(rev(5)));
    s.range(get("nothing").setCountOnly(true));
    s.range(all().setCountOnly(true).setRevision(rev(3)));
  }

  @Test
  void modAndCreateRevisionFilters(Scenario s) {
    fill(s);
    for (long r = 1; r <= 10; r++) {
      s.range(all().setMinModRevision(rev(r)));
      s.range(all().setMaxModRevision(rev(r)));
      s.range(all().setMinCreateRevision(rev(r)));
      s.range(all().setMaxCreateRevision(rev(r)));
    }
    s.range(all().setMinModRevision(rev(3)).setMaxModRevision(rev(6)).setMinCreateRevision(rev(3)).setMaxCreateRevision(rev(4)));
    s.range(all().setMinModRevision(rev(4)).setLimit(1));
    s.range(all().setMinModRevision(rev(4)).setLimit(1).setSortTarget(SortTarget.VALUE));
    s.range(all().setMaxCreateRevision(rev(4)).setSortOrder(SortOrder.DESCEND).setLimit(2));
  }

  @Test
  void serializableReadsTheSame(Scenario s) {
    fill(s);
    s.range(all().setSerializable(true));
    s.range(get("b").setSerializable(true).setRevision(rev(3)));
  }

  @Test
  void binaryKeysOrderUnsigned(Scenario s) {
    s.put(Kv.put("", "").setKey(com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) 0xff})).setValue(Kv.bytes("hi")));
    s.put(Kv.put("", "").setKey(com.google.protobuf.ByteString.copyFrom(new byte[] {0x7f})).setValue(Kv.bytes("lo")));
    s.put(Kv.put("", "").setKey(com.google.protobuf.ByteString.copyFrom(new byte[] {0x00, 0x01})).setValue(Kv.bytes("zero")));
    s.range(all());
    s.range(all().setSortTarget(SortTarget.KEY).setSortOrder(SortOrder.DESCEND));
    s.range(all().setSortTarget(SortTarget.VALUE));
  }
}
