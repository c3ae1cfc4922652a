package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.Kv.bytes;
import static io.etcdfake.server.difftest.Kv.prefix;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.CampaignResponse;
import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.LeaderKey;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.ProclaimRequest;
import io.etcd.jetcd.api.ProclaimResponse;
import io.etcd.jetcd.api.ResignRequest;
import io.etcd.jetcd.api.ResignResponse;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/**
 * The Election service where its answers are deterministic: a campaign that wins at once, Leader,
 * Proclaim, Resign and their errors. Leases get explicit ids so both sides name the same keys.
 */
@Differential
class ElectionDiffTest {

  static Outcome<CampaignResponse> campaign(Scenario s, String name, long lease, String value) {
    return s.call(ElectionGrpc.getCampaignMethod(),
        CampaignRequest.newBuilder().setName(bytes(name)).setLease(lease).setValue(bytes(value)).build());
  }

  static Outcome<LeaderResponse> leader(Scenario s, String name) {
    return s.call(ElectionGrpc.getLeaderMethod(), LeaderRequest.newBuilder().setName(bytes(name)).build());
  }

  static Outcome<ProclaimResponse> proclaim(Scenario s, LeaderKey leader, String value) {
    ProclaimRequest.Builder b = ProclaimRequest.newBuilder().setValue(bytes(value));
    if (leader != null) {
      b.setLeader(leader);
    }
    return s.call(ElectionGrpc.getProclaimMethod(), b.build());
  }

  static Outcome<ResignResponse> resign(Scenario s, LeaderKey leader) {
    ResignRequest.Builder b = ResignRequest.newBuilder();
    if (leader != null) {
      b.setLeader(leader);
    }
    return s.call(ElectionGrpc.getResignMethod(), b.build());
  }

  @Test
  void campaignLeaderProclaimResign(Scenario s) {
    LockDiffTest.grant(s, 0xe1, 60);
    LeaderKey me = campaign(s, "boss", 0xe1, "first").ok().getLeader();
    assertThat(me.getKey().toStringUtf8()).isEqualTo("boss/e1");
    leader(s, "boss");
    proclaim(s, me, "second");
    leader(s, "boss");
    s.range(prefix("boss/"));
    resign(s, me);
    Outcome<LeaderResponse> none = leader(s, "boss");
    assertThat(none.code()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(none.description()).isEqualTo("election: no leader");
    // no longer the leader: Proclaim fails, Resign is quietly nothing
    assertThat(proclaim(s, me, "third").description()).isEqualTo("election: not leader");
    resign(s, me);
  }

  @Test
  void campaigningAgainWithTheLeaseKeepsThePlaceAndProclaimsANewValue(Scenario s) {
    LockDiffTest.grant(s, 0xe2, 60);
    campaign(s, "again", 0xe2, "v1");
    campaign(s, "again", 0xe2, "v1");
    campaign(s, "again", 0xe2, "v2");
    leader(s, "again");
    s.range(prefix("again/"));
  }

  @Test
  void errors(Scenario s) {
    assertThat(proclaim(s, null, "x").description()).isEqualTo("\"leader\" field must be provided");
    resign(s, null);
    campaign(s, "nolease", 0x999, "v");
    LeaderKey made = LeaderKey.newBuilder().setName(bytes("x")).setKey(bytes("x/1")).setRev(5).setLease(1).build();
    proclaim(s, made, "v");
    resign(s, made);
    leader(s, "x");
    leader(s, "");
  }
}
