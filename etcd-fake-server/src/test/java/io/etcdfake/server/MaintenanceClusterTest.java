package io.etcdfake.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Maintenance;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.cluster.MemberAddResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.maintenance.AlarmType;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcdfake.server.maintenance.Alarm;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** jetcd's Maintenance and Cluster clients against the fake, as a user calls them. */
class MaintenanceClusterTest {
  private EtcdFakeServer server;
  private Client client;

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  @BeforeEach
  void start() throws Exception {
    server = EtcdFakeServer.builder().name("node1").build().start();
    client = Client.builder().endpoints(server.clientEndpoints()).build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private String endpoint() {
    return server.clientEndpoints().get(0).toString();
  }

  @Test
  void statusReportsAFresh35LeaderAndMovesWithWrites() throws Exception {
    Maintenance m = client.getMaintenanceClient();
    StatusResponse fresh = get(m.statusMember(endpoint()));
    assertThat(fresh.getVersion()).isEqualTo("3.5.17");
    assertThat(fresh.getLeader()).isEqualTo(server.identity().memberId());
    assertThat(fresh.getRaftTerm()).isEqualTo(2);
    assertThat(fresh.getRaftIndex()).isEqualTo(4).isEqualTo(fresh.getRaftAppliedIndex());
    assertThat(fresh.getDbSize()).isEqualTo(20480);
    assertThat(fresh.getDbSizeInUse()).isEqualTo(16384);
    assertThat(fresh.getErrorList()).isEmpty();
    assertThat(fresh.isLearner()).isFalse();

    KV kv = client.getKVClient();
    for (int i = 0; i < 200; i++) {
      get(kv.put(bs("key" + i), bs("x".repeat(500))));
    }
    get(kv.get(bs("key1")));
    StatusResponse after = get(m.statusMember(endpoint()));
    assertThat(after.getRaftIndex()).isEqualTo(4 + 200);
    assertThat(after.getHeader().getRevision()).isEqualTo(201);
    assertThat(after.getDbSizeInUse()).isGreaterThan(16384 + 100_000);
    assertThat(after.getDbSize()).isGreaterThan(after.getDbSizeInUse());

    // deleting and compacting frees pages, but only defragmentation shrinks the file
    get(kv.delete(bs("key"), DeleteOption.builder().isPrefix(true).build()));
    get(kv.compact(202));
    StatusResponse compacted = get(m.statusMember(endpoint()));
    assertThat(compacted.getDbSizeInUse()).isEqualTo(16384);
    assertThat(compacted.getDbSize()).isEqualTo(after.getDbSize());
    get(m.defragmentMember(endpoint()));
    assertThat(get(m.statusMember(endpoint())).getDbSize()).isEqualTo(20480);
  }

  @Test
  void noSpaceAlarmRefusesPutsAndTxnsWithPutsUntilDisarmed() throws Exception {
    Maintenance m = client.getMaintenanceClient();
    KV kv = client.getKVClient();
    get(kv.put(bs("k"), bs("v")));
    assertThat(get(m.listAlarms()).getAlarms()).isEmpty();

    long member = server.identity().memberId();
    server.alarms().activate(member, Alarm.Type.NOSPACE);
    assertThat(get(m.listAlarms()).getAlarms()).singleElement().satisfies(a -> {
      assertThat(a.getMemberId()).isEqualTo(member);
      assertThat(a.getAlarmType()).isEqualTo(AlarmType.NOSPACE);
    });
    assertThat(get(m.statusMember(endpoint())).getErrorList())
        .containsExactly("memberID:" + Long.toUnsignedString(member) + " alarm:NOSPACE ");

    assertThatThrownBy(() -> get(kv.put(bs("k"), bs("w"))))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("etcdserver: mvcc: database space exceeded");
    assertThatThrownBy(() -> get(kv.txn().Then(Op.put(bs("t"), bs("1"), PutOption.DEFAULT)).commit()))
        .hasMessageContaining("etcdserver: mvcc: database space exceeded");
    // reads, deletes and txns without a put still work, as on etcd
    assertThat(get(kv.get(bs("k"))).getKvs()).hasSize(1);
    assertThat(get(kv.txn().Then(Op.delete(bs("k"), DeleteOption.DEFAULT)).commit()).isSucceeded()).isTrue();

    get(m.alarmDisarm(new AlarmMember(member, AlarmType.NOSPACE)));
    assertThat(get(m.listAlarms()).getAlarms()).isEmpty();
    assertThat(server.alarms().all()).isEmpty();
    assertThat(get(kv.put(bs("k"), bs("back"))).getHeader().getRevision()).isEqualTo(4);
  }

  @Test
  void quotaRaisesNoSpaceWhenTheDatabaseWouldGrowPastIt() throws Exception {
    try (EtcdFakeServer small = EtcdFakeServer.builder().quotaBackendBytes(64 * 1024).build().start();
        Client c = Client.builder().endpoints(small.clientEndpoints()).build()) {
      KV kv = c.getKVClient();
      Throwable refused = null;
      int written = 0;
      for (int i = 0; i < 100 && refused == null; i++) {
        try {
          get(kv.put(bs("key" + i), bs("x".repeat(4000))));
          written++;
        } catch (ExecutionException e) {
          refused = e;
        }
      }
      assertThat(written).isGreaterThan(3);
      assertThat(refused).hasMessageContaining("etcdserver: mvcc: database space exceeded");
      assertThat(small.alarms().all()).containsExactly(new Alarm(small.identity().memberId(), Alarm.Type.NOSPACE));
      // even a small put fails now: the alarm stays until disarmed
      assertThatThrownBy(() -> get(kv.put(bs("tiny"), bs("1")))).hasMessageContaining("database space exceeded");
    }
  }

  @Test
  void hashKvIsStableAndFollowsTheData() throws Exception {
    Maintenance m = client.getMaintenanceClient();
    int empty = get(m.hashKV(endpoint(), 0)).getHash();
    assertThat(Integer.toUnsignedLong(empty)).isEqualTo(1084519789L);
    get(client.getKVClient().put(bs("a"), bs("1")));
    assertThat(Integer.toUnsignedLong(get(m.hashKV(endpoint(), 0)).getHash())).isEqualTo(2587454935L);
    assertThat(get(m.hashKV(endpoint(), 1)).getHash()).isEqualTo(empty);
    assertThat(get(m.hashKV(endpoint(), 0)).getCompacted()).isEqualTo(-1);
  }

  @Test
  void snapshotRestoresIntoANewServer() throws Exception {
    KV kv = client.getKVClient();
    get(kv.put(bs("a"), bs("1")));
    get(kv.put(bs("a"), bs("2")));
    get(kv.put(bs("b"), bs("1")));
    ByteArrayOutputStream saved = new ByteArrayOutputStream();
    long size = get(client.getMaintenanceClient().snapshot(saved));
    assertThat(size).isPositive();

    try (EtcdFakeServer restored = EtcdFakeServer.builder()
            .restore(new ByteArrayInputStream(saved.toByteArray())).build().start();
        Client c = Client.builder().endpoints(restored.clientEndpoints()).build()) {
      var a = get(c.getKVClient().get(bs("a"))).getKvs().get(0);
      assertThat(a.getValue()).isEqualTo(bs("2"));
      assertThat(a.getModRevision()).isEqualTo(3);
      assertThat(a.getVersion()).isEqualTo(2);
      assertThat(get(c.getKVClient().get(bs("a"), io.etcd.jetcd.options.GetOption.builder().withRevision(2).build()))
          .getKvs().get(0).getValue()).isEqualTo(bs("1"));
      assertThat(get(c.getKVClient().put(bs("c"), bs("1"))).getHeader().getRevision()).isEqualTo(5);
    }
    // the embedded API writes the same format
    ByteArrayOutputStream direct = new ByteArrayOutputStream();
    server.snapshot(direct);
    try (EtcdFakeServer again = EtcdFakeServer.builder().restore(new ByteArrayInputStream(direct.toByteArray())).build()) {
      assertThat(again.store().currentRevision()).isEqualTo(4);
    }
  }

  @Test
  void snapshotKeepsLeasesWithTheirKeysAndRestoreGivesThemTheirFullTtl() throws Exception {
    long kept = get(client.getLeaseClient().grant(60)).getID();
    long ended = get(client.getLeaseClient().grant(30)).getID();
    long empty = get(client.getLeaseClient().grant(45)).getID();
    get(client.getKVClient().put(bs("session/1"), bs("x"), PutOption.builder().withLeaseId(kept).build()));
    get(client.getKVClient().put(bs("session/2"), bs("y"), PutOption.builder().withLeaseId(ended).build()));
    // a key that moved off its lease, and one deleted, stay off it
    get(client.getKVClient().put(bs("moved"), bs("1"), PutOption.builder().withLeaseId(ended).build()));
    get(client.getKVClient().put(bs("moved"), bs("2")));
    get(client.getKVClient().put(bs("gone"), bs("1"), PutOption.builder().withLeaseId(kept).build()));
    get(client.getKVClient().delete(bs("gone")));
    ByteArrayOutputStream saved = new ByteArrayOutputStream();
    get(client.getMaintenanceClient().snapshot(saved));

    try (EtcdFakeServer restored = EtcdFakeServer.builder().manualClock()
            .restore(new ByteArrayInputStream(saved.toByteArray())).build().start();
        Client c = Client.builder().endpoints(restored.clientEndpoints()).build()) {
      assertThat(restored.lessor().leases()).containsExactlyInAnyOrder(kept, ended, empty);
      LeaseTimeToLiveResponse ttl = get(c.getLeaseClient().timeToLive(kept, LeaseOption.newBuilder().withAttachedKeys().build()));
      assertThat(ttl.getGrantedTTL()).isEqualTo(60);
      assertThat(ttl.getTTL()).isEqualTo(60);
      assertThat(ttl.getKeys()).containsExactly(bs("session/1"));
      assertThat(get(c.getLeaseClient().timeToLive(ended, LeaseOption.newBuilder().withAttachedKeys().build())).getKeys())
          .containsExactly(bs("session/2"));

      // the restored leases expire on the new server's clock and take their keys with them
      restored.clock().advance(Duration.ofSeconds(31));
      assertThat(get(c.getKVClient().get(bs("session/2"))).getKvs()).isEmpty();
      assertThat(get(c.getKVClient().get(bs("moved"))).getKvs()).singleElement()
          .satisfies(kv -> assertThat(kv.getValue()).isEqualTo(bs("2")));
      assertThat(get(c.getKVClient().get(bs("session/1"))).getKvs()).hasSize(1);
      restored.clock().advance(Duration.ofSeconds(30));
      assertThat(get(c.getKVClient().get(bs("session/1"))).getKvs()).isEmpty();
      assertThat(restored.lessor().leases()).isEmpty();
    }
  }

  @Test
  void moveLeaderToItselfSucceedsAndElsewhereFails() throws Exception {
    Maintenance m = client.getMaintenanceClient();
    get(m.moveLeader(server.identity().memberId()));
    assertThatThrownBy(() -> get(m.moveLeader(1234))).hasMessageContaining("etcdserver: bad leader transferee");
  }

  @Test
  void memberListShowsTheOneMemberWithItsUrls() throws Exception {
    List<Member> members = get(client.getClusterClient().listMember()).getMembers();
    assertThat(members).singleElement().satisfies(m -> {
      assertThat(m.getId()).isEqualTo(server.identity().memberId());
      assertThat(m.getName()).isEqualTo("node1");
      assertThat(m.getPeerURIs()).containsExactly(URI.create("http://localhost:2380"));
      assertThat(m.getClientURIs()).isEqualTo(server.clientEndpoints());
      assertThat(m.isLearner()).isFalse();
    });
  }

  @Test
  void membershipChangesAnswerAsALoneEtcd() throws Exception {
    var cluster = client.getClusterClient();
    long self = server.identity().memberId();
    assertThatThrownBy(() -> get(cluster.removeMember(self)))
        .hasMessageContaining("etcdserver: re-configuration failed due to not enough started members");
    assertThatThrownBy(() -> get(cluster.promoteMember(self))).hasMessageContaining("can only promote a learner member");
    assertThatThrownBy(() -> get(cluster.removeMember(1234))).hasMessageContaining("etcdserver: member not found");

    MemberAddResponse added = get(cluster.addMember(List.of(URI.create("http://127.0.0.1:23801")), true));
    long learner = added.getMember().getId();
    assertThat(added.getMember().isLearner()).isTrue();
    assertThat(added.getMember().getName()).isEmpty();
    assertThat(added.getMembers()).hasSize(2);
    assertThatThrownBy(() -> get(cluster.promoteMember(learner)))
        .hasMessageContaining("can only promote a learner member which is in sync with leader");
    assertThatThrownBy(() -> get(cluster.addMember(List.of(URI.create("http://127.0.0.1:23802")), true)))
        .hasMessageContaining("etcdserver: too many learner members in cluster");
    assertThat(get(cluster.removeMember(learner)).getMembers()).hasSize(1);
  }
}
