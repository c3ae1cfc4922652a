package io.etcdfake.samples.election;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcdfake.junit.EtcdFake;
import io.etcdfake.samples.recipes.Session;
import io.etcdfake.server.EtcdFakeServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@EtcdFake(manualClock = true)
class LeaderElectionTest {
  private static final String PREFIX = "/election/scheduler/";
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** A thread per task: the common pool may have a single thread on a small machine. */
  private static final Executor THREADS = task -> new Thread(task).start();

  @Test
  void oneLeadsAndEachResignationHandsOver(Client client) throws Exception {
    try (LeaderObserver observer = LeaderObserver.start(client, PREFIX)) {
      Map<String, LeaderElection> workers = new LinkedHashMap<>();
      Map<String, CompletableFuture<Void>> campaigns = new LinkedHashMap<>();
      for (String name : List.of("w1", "w2", "w3")) {
        LeaderElection e = new LeaderElection(client, PREFIX, Session.open(client, 30));
        workers.put(name, e);
        campaigns.put(name, CompletableFuture.runAsync(() -> campaign(e, name), THREADS));
      }

      String first = observer.await(l -> l.size() == 1, WAIT).get(0);
      campaigns.get(first).get(30, TimeUnit.SECONDS);
      observer.awaitCandidates(3, WAIT);
      // all three keys are written and the first holds the lowest: the others are still waiting
      assertThat(campaigns.values().stream().filter(CompletableFuture::isDone)).hasSize(1);

      workers.get(first).resign();
      String second = observer.await(l -> l.size() == 2, WAIT).get(1);
      assertThat(second).isNotEqualTo(first);
      campaigns.get(second).get(30, TimeUnit.SECONDS);
      assertThat(campaigns.values().stream().filter(CompletableFuture::isDone)).hasSize(2);

      workers.get(second).resign();
      String third = observer.await(l -> l.size() == 3, WAIT).get(2);
      campaigns.get(third).get(30, TimeUnit.SECONDS);
      assertThat(List.of(first, second, third)).containsExactlyInAnyOrder("w1", "w2", "w3");
      assertThat(observer.leaders()).containsExactly(first, second, third);
    }
  }

  /** Fake only (manual clock): a leader that dies loses the lead when its lease expires. */
  @Test
  void leaderWhoseLeaseExpiresIsReplaced(Client client, EtcdFakeServer server) throws Exception {
    try (LeaderObserver observer = LeaderObserver.start(client, PREFIX)) {
      Session dying = Session.open(client, 5);
      new LeaderElection(client, PREFIX, dying).campaign("w1", WAIT);
      LeaderElection w2 = new LeaderElection(client, PREFIX, Session.open(client, 60));
      CompletableFuture<Void> w2Leads = CompletableFuture.runAsync(() -> campaign(w2, "w2"), THREADS);
      assertThat(observer.await(l -> l.equals(List.of("w1")), WAIT)).containsExactly("w1");

      dying.crash();
      server.clock().advance(Duration.ofSeconds(6));

      w2Leads.get(30, TimeUnit.SECONDS);
      assertThat(observer.await(l -> l.size() == 2, WAIT)).containsExactly("w1", "w2");
    }
  }

  private static void campaign(LeaderElection election, String name) {
    try {
      election.campaign(name, WAIT);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
