package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.Kv.all;
import static io.etcdfake.server.difftest.Kv.delete;
import static io.etcdfake.server.difftest.Kv.deletePrefix;
import static io.etcdfake.server.difftest.Kv.get;
import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Scenario.rev;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** Put, DeleteRange and Compact: revisions, versions, prev_kv, ignore_*, and every error in etcd's order. */
@Differential
class KvWriteDiffTest {

  @Test
  void putBumpsRevisionAndVersionEvenWithTheSameValue(Scenario s) {
    assertThat(s.put(put("a", "1")).ok().getHeader().getRevision()).isEqualTo(rev(2));
    s.put(put("a", "1"));
    s.put(put("b", ""));
    s.range(all());
  }

  @Test
  void putPrevKv(Scenario s) {
    s.put(put("a", "1").setPrevKv(true));
    s.put(put("a", "2").setPrevKv(true));
    s.put(put("a", "3"));
    s.delete(delete("a"));
    s.put(put("a", "4").setPrevKv(true));
  }

  @Test
  void ignoreValueKeepsTheValue(Scenario s) {
    s.put(put("a", "1"));
    s.put(put("a", "").setIgnoreValue(true).setPrevKv(true));
    s.range(get("a"));
  }

  @Test
  void ignoreLeaseOnAKeyWithoutLease(Scenario s) {
    s.put(put("a", "1"));
    s.put(put("a", "2").setIgnoreLease(true).setPrevKv(true));
    s.put(put("a", "").setIgnoreLease(true).setIgnoreValue(true));
    s.range(get("a"));
  }

  @Test
  void putErrorsInEtcdsOrder(Scenario s) {
    s.put(put("a", "1"));
    s.put(put("", "x"));
    s.put(put("", "x").setIgnoreValue(true).setIgnoreLease(true).setLease(7));
    s.put(put("a", "x").setIgnoreValue(true));
    s.put(put("a", "x").setIgnoreValue(true).setIgnoreLease(true).setLease(7));
    s.put(put("a", "").setIgnoreLease(true).setLease(7));
    s.put(put("a", "x").setLease(7));
    s.put(put("missing", "x").setLease(7));
    s.put(put("missing", "").setIgnoreValue(true).setLease(7));
    s.put(put("missing", "").setIgnoreValue(true));
    s.put(put("missing", "x").setIgnoreLease(true));
    s.put(put("missing", "").setIgnoreValue(true).setIgnoreLease(true));
    s.put(put("missing", "").setIgnoreValue(true).setIgnoreLease(true).setPrevKv(true));
    // nothing of the above was written
    assertThat(s.range(all()).ok().getHeader().getRevision()).isEqualTo(rev(2));
  }

  @Test
  void deleteCountsAndReturnsPrevKvs(Scenario s) {
    s.put(put("a", "1"));
    s.put(put("b", "2"));
    s.put(put("b/1", "3"));
    s.put(put("c", "4"));
    s.delete(delete("b").setPrevKv(true));
    s.delete(deletePrefix("b").setPrevKv(true));
    s.delete(delete("a", Kv.FROM_KEY));
    s.range(all());
  }

  @Test
  void deleteOfNothingAddsNoRevision(Scenario s) {
    s.put(put("a", "1"));
    s.delete(delete("missing"));
    s.delete(delete("b", "z").setPrevKv(true));
    s.delete(delete("z", "b"));
    s.delete(delete("a", "a"));
    s.put(put("x", "1"));
    assertThat(s.range(all()).ok().getHeader().getRevision()).isEqualTo(rev(3));
  }

  @Test
  void deleteEndsTheGeneration(Scenario s) {
    s.put(put("a", "1"));
    s.put(put("a", "2"));
    s.delete(delete("a"));
    s.put(put("a", "3"));
    s.range(get("a"));
    s.range(get("a").setRevision(rev(3)));
    s.range(get("a").setRevision(rev(4)));
  }

  @Test
  void deleteEverythingAndEmptyKey(Scenario s) {
    s.put(put("a", "1"));
    s.put(put("b", "1"));
    s.delete(delete(""));
    s.delete(delete("", "z"));
    s.delete(delete(Kv.FROM_KEY, Kv.FROM_KEY).setPrevKv(true));
    s.range(all());
  }

  @Test
  void compactErrors(Scenario s) {
    s.put(put("a", "1"));
    s.put(put("a", "2"));
    s.put(put("a", "3"));
    assertThat(s.compact(rev(5)).code()).isEqualTo(Status.Code.OUT_OF_RANGE);
    s.compact(rev(2));
    s.compact(rev(2));
    s.compact(rev(1));
    s.compact(rev(4));
    s.compact(rev(4));
    s.compact(rev(3));
    s.range(get("a").setRevision(rev(3)));
    s.range(get("a").setRevision(rev(4)));
    s.put(put("a", "4"));
    s.compact(rev(5));
  }

  @Test
  void compactKeepsDeletedKeysReadableAboveIt(Scenario s) {
    s.put(put("a", "1"));
    s.delete(delete("a"));
    s.put(put("b", "1"));
    s.compact(rev(3));
    s.range(all().setRevision(rev(3)));
    s.range(all().setRevision(rev(4)));
    s.put(put("a", "2"));
    s.range(get("a"));
  }
}
