package io.etcdfake.samples.election;

import static io.etcdfake.samples.recipes.Bytes.bytes;
import static io.etcdfake.samples.recipes.Bytes.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcdfake.junit.EtcdFake;
import io.etcdfake.samples.recipes.Session;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The election through jetcd's {@code Election} client: etcd's Election service runs the recipe. */
@EtcdFake
class JetcdElectionTest {
  private static final ByteSequence NAME = bytes("/election/jetcd");

  @Test
  void resignationHandsTheLeadToTheNextCandidate(Client client) throws Exception {
    Election election = client.getElectionClient();
    try (Session s1 = Session.open(client, 30); Session s2 = Session.open(client, 30)) {
      LeaderKey w1 = election.campaign(NAME, s1.leaseId(), bytes("w1")).get(30, TimeUnit.SECONDS).getLeader();
      assertThat(string(election.leader(NAME).get(30, TimeUnit.SECONDS).getKv().getValue())).isEqualTo("w1");

      List<String> observed = new CopyOnWriteArrayList<>();
      CountDownLatch sawW2 = new CountDownLatch(1);
      election.observe(NAME, new Election.Listener() {
        @Override public void onNext(LeaderResponse r) { 
          observed.add(string(r.getKv().getValue()));
          if (observed.contains("w2")) {
            sawW2.countDown();
          }
        }
        @Override public void onError(Throwable t) {}
        @Override public void onCompleted() {}
      });
      CompletableFuture<CampaignResponse> w2 = election.campaign(NAME, s2.leaseId(), bytes("w2"));

      election.resign(w1).get(30, TimeUnit.SECONDS);
      w2.get(30, TimeUnit.SECONDS);
      assertThat(string(election.leader(NAME).get(30, TimeUnit.SECONDS).getKv().getValue())).isEqualTo("w2");
      assertThat(sawW2.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(observed).endsWith("w2");
      assertThat(observed.get(0)).isEqualTo("w1");
    }
  }
}
