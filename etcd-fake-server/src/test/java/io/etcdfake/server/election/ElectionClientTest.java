package io.etcdfake.server.election;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcdfake.server.EtcdFakeServer;
import io.etcdfake.server.lock.FakeWithClient;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** etcd's Election service through jetcd's Election client. */
class ElectionClientTest {
  private static final int WAIT = FakeWithClient.WAIT;

  private FakeWithClient fake;
  private EtcdFakeServer server;
  private Client client;

  private void start(EtcdFakeServer.Builder b) throws Exception {
    fake = new FakeWithClient(b);
    server = fake.server;
    client = fake.client;
  }

  @AfterEach
  void stop() {
    if (fake != null) {
      fake.close();
    }
  }

  private Election election() {
    return client.getElectionClient();
  }

  private String leaderValue(String name) throws Exception {
    return election().leader(FakeWithClient.bs(name)).get(WAIT, TimeUnit.SECONDS).getKv().getValue().toString(UTF_8);
  }

  @Test
  void campaignLeaderProclaimResign() throws Exception {
    start(EtcdFakeServer.builder());
    long lease = fake.lease(60);
    CampaignResponse won = election().campaign(FakeWithClient.bs("e"), lease, FakeWithClient.bs("one")).get(WAIT, TimeUnit.SECONDS);
    LeaderKey me = won.getLeader();
    assertThat(me.getName().toString(UTF_8)).isEqualTo("e");
    assertThat(me.getKey().toString(UTF_8)).isEqualTo("e/" + Long.toHexString(lease));
    assertThat(me.getLease()).isEqualTo(lease);
    assertThat(me.getRevision()).isEqualTo(won.getHeader().getRevision()).isEqualTo(server.store().currentRevision());
    assertThat(leaderValue("e")).isEqualTo("one");

    election().proclaim(me, FakeWithClient.bs("two")).get(WAIT, TimeUnit.SECONDS);
    assertThat(leaderValue("e")).isEqualTo("two");

    election().resign(me).get(WAIT, TimeUnit.SECONDS);
    assertThatThrownBy(() -> election().leader(FakeWithClient.bs("e")).get(WAIT, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(io.etcd.jetcd.election.NoLeaderException.class);
    assertThatThrownBy(() -> election().proclaim(me, FakeWithClient.bs("three")).get(WAIT, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(io.etcd.jetcd.election.NotLeaderException.class);
    // resigning again is no error
    election().resign(me).get(WAIT, TimeUnit.SECONDS);
  }

  @Test
  void aSecondCandidateWaitsAndTakesOverWhenTheLeaderResigns() throws Exception {
    start(EtcdFakeServer.builder());
    LeaderKey first = election().campaign(FakeWithClient.bs("race"), fake.lease(60), FakeWithClient.bs("a")).get(WAIT, TimeUnit.SECONDS).getLeader();
    CompletableFuture<CampaignResponse> second = election().campaign(FakeWithClient.bs("race"), fake.lease(60), FakeWithClient.bs("b"));
    fake.awaitKeys("race/", 2);
    assertThat(second).isNotDone();
    assertThat(leaderValue("race")).isEqualTo("a");

    election().resign(first).get(WAIT, TimeUnit.SECONDS);
    CampaignResponse won = second.get(WAIT, TimeUnit.SECONDS);
    assertThat(leaderValue("race")).isEqualTo("b");
    // the header of a won campaign is its first txn's, from before the wait
    assertThat(won.getHeader().getRevision()).isEqualTo(won.getLeader().getRevision());
  }

  @Test
  void theLeadersLeaseExpiringElectsTheNext() throws Exception {
    start(EtcdFakeServer.builder().manualClock());
    election().campaign(FakeWithClient.bs("exp"), fake.lease(10), FakeWithClient.bs("a")).get(WAIT, TimeUnit.SECONDS);
    CompletableFuture<CampaignResponse> second = election().campaign(FakeWithClient.bs("exp"), fake.lease(100), FakeWithClient.bs("b"));
    fake.awaitKeys("exp/", 2);
    server.clock().advance(Duration.ofSeconds(11));
    second.get(WAIT, TimeUnit.SECONDS);
    assertThat(leaderValue("exp")).isEqualTo("b");
  }

  @Test
  void observeSeesTheLeaderItsProclamationsAndTheNextLeader() throws Exception {
    start(EtcdFakeServer.builder());
    BlockingQueue<LeaderResponse> seen = new LinkedBlockingQueue<>();
    election().observe(FakeWithClient.bs("obs"), new Election.Listener() {
      @Override
      public void onNext(LeaderResponse r) {
        seen.add(r);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    LeaderKey a = election().campaign(FakeWithClient.bs("obs"), fake.lease(60), FakeWithClient.bs("a")).get(WAIT, TimeUnit.SECONDS).getLeader();
    LeaderResponse first = seen.poll(WAIT, TimeUnit.SECONDS);
    assertThat(first.getKv().getValue().toString(UTF_8)).isEqualTo("a");
    assertThat(first.getKv().getCreateRevision()).isEqualTo(a.getRevision());

    election().proclaim(a, FakeWithClient.bs("a2")).get(WAIT, TimeUnit.SECONDS);
    assertThat(seen.poll(WAIT, TimeUnit.SECONDS).getKv().getValue().toString(UTF_8)).isEqualTo("a2");

    CompletableFuture<CampaignResponse> b = election().campaign(FakeWithClient.bs("obs"), fake.lease(60), FakeWithClient.bs("b"));
    fake.awaitKeys("obs/", 2);
    election().resign(a).get(WAIT, TimeUnit.SECONDS);
    b.get(WAIT, TimeUnit.SECONDS);
    LeaderResponse next = seen.poll(WAIT, TimeUnit.SECONDS);
    assertThat(next.getKv().getValue().toString(UTF_8)).isEqualTo("b");
    assertThat(seen).isEmpty();
  }

}
