package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.ElectionDiffTest.campaign;
import static io.etcdfake.server.difftest.ElectionDiffTest.proclaim;
import static io.etcdfake.server.difftest.ElectionDiffTest.resign;
import static io.etcdfake.server.difftest.Kv.bytes;
import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Scenario.rev;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.LeaderKey;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import org.junit.jupiter.api.Test;

/**
 * Election Observe against etcd's, answer by answer: the leader at the start (with the header of the
 * read that found it), each proclaimed value (with the header of the watch event), nothing when the
 * leader goes, and the next leader once one wins (with the header revision set to its key's
 * revision). Each step waits for its answer before the next write, so both sides see the same history.
 */
@Differential
class ObserveDiffTest {

  /** Observe is server-streaming: one request, then answers until the pair is closed (cancelled). */
  private static StreamPair<LeaderRequest, LeaderResponse> observe(Scenario s, String name) {
    StreamPair<LeaderRequest, LeaderResponse> o = s.stream(ElectionGrpc.getObserveMethod());
    o.send(LeaderRequest.newBuilder().setName(bytes(name)).build());
    o.halfClose();
    return o;
  }

  @Test
  void aLeaderAtTheStartThenEachProclamationThenTheNextLeader(Scenario s) {
    LockDiffTest.grant(s, 0x0b1, 60);
    LockDiffTest.grant(s, 0x0b2, 60);
    LeaderKey first = campaign(s, "obs", 0x0b1, "a1").ok().getLeader();
    s.put(put("unrelated", "x"));
    try (var o = observe(s, "obs")) {
      LeaderResponse now = o.next().ok();
      assertThat(now.getKv().getValue().toStringUtf8()).isEqualTo("a1");
      // the read's header: the store's revision, past the leader's key
      assertThat(now.getHeader().getRevision()).isEqualTo(rev(3));

      proclaim(s, first, "a2");
      assertThat(o.next().ok().getKv().getValue().toStringUtf8()).isEqualTo("a2");
      s.put(put("obs-sibling", "not under the prefix"));
      proclaim(s, first, "a3");
      LeaderResponse third = o.next().ok();
      assertThat(third.getKv().getValue().toStringUtf8()).isEqualTo("a3");
      assertThat(third.getKv().getVersion()).isEqualTo(3);

      resign(s, first);
      LeaderKey second = campaign(s, "obs", 0x0b2, "b1").ok().getLeader();
      LeaderResponse next = o.next().ok();
      assertThat(next.getKv().getKey()).isEqualTo(second.getKey());
      assertThat(next.getKv().getValue().toStringUtf8()).isEqualTo("b1");

      // the leader's lease ends: its key goes, and the next campaign is the next answer
      s.call(LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(0x0b2).build());
      LockDiffTest.grant(s, 0x0b3, 60);
      campaign(s, "obs", 0x0b3, "c1");
      assertThat(o.next().ok().getKv().getValue().toStringUtf8()).isEqualTo("c1");
    }
  }

  @Test
  void withoutALeaderObserveWaitsForTheFirstCampaign(Scenario s) {
    LockDiffTest.grant(s, 0x0c1, 60);
    try (var o = observe(s, "empty")) {
      s.put(put("empty", "the name itself is not a candidate"));
      campaign(s, "empty", 0x0c1, "first");
      LeaderResponse first = o.next().ok();
      assertThat(first.getKv().getValue().toStringUtf8()).isEqualTo("first");
      // etcd's recipe reports the campaign's event with the header revision set to the key's
      assertThat(first.getHeader().getRevision()).isEqualTo(first.getKv().getModRevision());
    }
  }
}
