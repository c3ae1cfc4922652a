package io.etcdfake.junit;

import static io.etcdfake.junit.EtcdAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.PutOption;
import io.etcdfake.server.EtcdFakeServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Leases and watchers: the manual clock, reset dropping leases, and their assertions. */
@EtcdFake(manualClock = true, progressNotifyIntervalMillis = 250)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LeaseAndWatchTest {
  private static long leaseOfFirstTest;

  private static long grant(Client client, long ttl) throws Exception {
    return client.getLeaseClient().grant(ttl).get(30, TimeUnit.SECONDS).getID();
  }

  private static void putWithLease(Client client, String key, long lease) throws Exception {
    client.getKVClient().put(Kv.bs(key), Kv.bs("v"), PutOption.builder().withLeaseId(lease).build()).get(30, TimeUnit.SECONDS);
  }

  @Test
  @Order(1)
  void leaseAssertionsThroughAClientWorkOnARealEtcdToo(Client client) throws Exception {
    long lease = grant(client, 60);
    putWithLease(client, "b", lease);
    putWithLease(client, "a", lease);
    assertThat(client).hasLease(lease).withGrantedTtl(60).withKeys("a", "b")
        .and().hasKey("a").withLease(lease)
        .and().doesNotHaveLease(lease + 1);
    leaseOfFirstTest = lease;
  }

  @Test
  @Order(2)
  void resetRevokesTheLeasesOfEarlierTests(Client client) {
    assertThat(client).doesNotHaveLease(leaseOfFirstTest).hasNoKeys();
  }

  @Test
  @Order(3)
  void theManualClockExpiresLeasesWhenTheTestSaysSo(EtcdFakeServer server, Client client) throws Exception {
    long lease = grant(client, 10);
    putWithLease(client, "session", lease);
    server.clock().advance(Duration.ofMillis(3500));
    // etcd reports whole seconds left, truncated
    assertThat(server).hasLease(lease).withGrantedTtl(10).withRemainingTtl(6).withKeys("session")
        .and().hasLeaseCount(1);

    server.clock().advance(Duration.ofSeconds(7));

    assertThat(server).doesNotHaveLease(lease).doesNotHaveKey("session").hasLeaseCount(0);
  }

  @Test
  @Order(4)
  void leaseFailuresSayWhatTheLeaseIs(EtcdFakeServer server, Client client) throws Exception {
    long lease = grant(client, 30);
    putWithLease(client, "k", lease);
    assertThatThrownBy(() -> assertThat(server).hasLease(lease).withKeys("other"))
        .hasMessageContaining("Expecting lease " + lease + " (0x" + Long.toHexString(lease) + ") to have keys:%n  [other]%nbut was:%n  [k]".formatted())
        .hasMessageContaining("(granted TTL 30s, 30s left, keys [k])");
    assertThatThrownBy(() -> assertThat(server).hasLease(lease).withGrantedTtl(5))
        .hasMessageContaining("to have granted TTL:%n  5s%nbut was:%n  30s".formatted());
    assertThatThrownBy(() -> assertThat(server).hasLease(12345))
        .hasMessageContaining("to have lease 12345 (0x3039)%nbut it does not: it was never granted, or was revoked or expired".formatted());
    assertThatThrownBy(() -> assertThat(server).doesNotHaveLease(lease))
        .hasMessageContaining("not to have lease " + lease)
        .hasMessageContaining("but it has it: granted TTL 30s, 30s left, keys [k]");
    assertThatThrownBy(() -> assertThat(server).hasLeaseCount(2))
        .hasMessageContaining("to have 2 lease(s)%nbut it has 1".formatted());
  }

  @Test
  @Order(5)
  void watcherAssertionsCountTheServersWatchers(EtcdFakeServer server, Client client) throws Exception {
    assertThat(server).hasNoWatchers();
    try (Watch.Watcher w = client.getWatchClient().watch(Kv.bs("k"), Watch.listener(r -> {}))) {
      assertThat(server).hasWatcherCount(1);
    }
    assertThat(server).hasNoWatchers();
    org.assertj.core.api.Assertions.assertThat(server.watchHub().progressNotifyInterval()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  @Order(6)
  void countsOnlyTheFakeKnowsSkipThroughAClient(Client client) {
    assertThatThrownBy(() -> assertThat(client).hasWatcherCount(0))
        .isInstanceOf(org.opentest4j.TestAbortedException.class)
        .hasMessageContaining("hasWatcherCount needs etcd-fake");
  }
}
