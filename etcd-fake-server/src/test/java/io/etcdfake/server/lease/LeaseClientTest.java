package io.etcdfake.server.lease;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcdfake.server.EtcdFakeServer;
import io.etcdfake.server.mvcc.Event;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Leases through jetcd's Lease client, as an application uses them; the manual clock where time matters. */
class LeaseClientTest {
  private static final long WAIT = 30;
  private EtcdFakeServer server;
  private Client client;

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  private void start(EtcdFakeServer.Builder builder) throws Exception {
    server = builder.build().start();
    client = Client.builder().endpoints(server.clientEndpoints()).build();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private Lease lease() {
    return client.getLeaseClient();
  }

  private KV kv() {
    return client.getKVClient();
  }

  private boolean exists(String key) throws Exception {
    return kv().get(bs(key)).get(WAIT, TimeUnit.SECONDS).getCount() == 1;
  }

  @Test
  void aSixtySecondLeaseExpiresTheMomentTheClockPassesIt() throws Exception {
    start(EtcdFakeServer.builder().manualClock());
    long id = lease().grant(60).get(WAIT, TimeUnit.SECONDS).getID();
    kv().put(bs("service/a"), bs("up"), PutOption.builder().withLeaseId(id).build()).get(WAIT, TimeUnit.SECONDS);
    BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
    CountDownLatch watching = new CountDownLatch(1);
    try (Watch.Watcher watcher = client.getWatchClient().watch(bs("service/"),
        WatchOption.builder().isPrefix(true).withCreateNotify(true).build(),
        r -> {
          watching.countDown();
          events.addAll(r.getEvents());
        })) {
      assertThat(watching.await(WAIT, TimeUnit.SECONDS)).isTrue();

      server.clock().advance(Duration.ofSeconds(59));
      assertThat(exists("service/a")).isTrue();
      server.clock().advance(Duration.ofSeconds(2));

      assertThat(exists("service/a")).isFalse();
      WatchEvent deleted = events.poll(WAIT, TimeUnit.SECONDS);
      assertThat(deleted).isNotNull();
      assertThat(deleted.getEventType()).isEqualTo(WatchEvent.EventType.DELETE);
      assertThat(deleted.getKeyValue().getKey().toString(UTF_8)).isEqualTo("service/a");
      assertThat(deleted.getKeyValue().getModRevision()).isEqualTo(server.store().currentRevision());
    }
    assertThat(lease().timeToLive(id, LeaseOption.DEFAULT).get(WAIT, TimeUnit.SECONDS).getTTL()).isEqualTo(-1);
  }

  @Test
  void grantTimeToLiveWithKeysAndRevoke() throws Exception {
    start(EtcdFakeServer.builder().manualClock());
    long id = lease().grant(60).get(WAIT, TimeUnit.SECONDS).getID();
    assertThat(id).isPositive();
    kv().put(bs("b"), bs("1"), PutOption.builder().withLeaseId(id).build()).get(WAIT, TimeUnit.SECONDS);
    kv().put(bs("a"), bs("1"), PutOption.builder().withLeaseId(id).build()).get(WAIT, TimeUnit.SECONDS);
    server.clock().advance(Duration.ofMillis(10_500));

    LeaseTimeToLiveResponse ttl = lease().timeToLive(id, LeaseOption.builder().withAttachedKeys().build())
        .get(WAIT, TimeUnit.SECONDS);
    assertThat(ttl.getTTL()).isEqualTo(49);
    assertThat(ttl.getGrantedTTL()).isEqualTo(60);
    assertThat(ttl.getKeys()).extracting(k -> k.toString(UTF_8)).containsExactlyInAnyOrder("a", "b");

    long before = server.store().currentRevision();
    assertThat(lease().revoke(id).get(WAIT, TimeUnit.SECONDS).getHeader().getRevision()).isEqualTo(before + 1);
    assertThat(exists("a")).isFalse();
    assertThat(exists("b")).isFalse();
    assertThatThrownBy(() -> lease().revoke(id).get(WAIT, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("etcdserver: requested lease not found");
  }

  @Test
  void keepAliveObserverHearsTheGrantedTtlAndKeepsTheLeaseAlive() throws Exception {
    start(EtcdFakeServer.builder().manualClock());
    long id = lease().grant(30).get(WAIT, TimeUnit.SECONDS).getID();
    kv().put(bs("k"), bs("v"), PutOption.builder().withLeaseId(id).build()).get(WAIT, TimeUnit.SECONDS);
    BlockingQueue<LeaseKeepAliveResponse> heard = new LinkedBlockingQueue<>();
    try (CloseableClient keepAlive = lease().keepAlive(id, new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveResponse r) {
        heard.add(r);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    })) {
      LeaseKeepAliveResponse first = heard.poll(WAIT, TimeUnit.SECONDS);
      assertThat(first).isNotNull();
      assertThat(first.getID()).isEqualTo(id);
      assertThat(first.getTTL()).isEqualTo(30);
    }
    // a renewal restarts the full TTL from the clock's now. (jetcd keeps renewing in the background
    // after keepAliveOnce, so expiry after a renewal is shown in LessorTest, without a client.)
    server.clock().advance(Duration.ofSeconds(29));
    assertThat(lease().keepAliveOnce(id).get(WAIT, TimeUnit.SECONDS).getTTL()).isEqualTo(30);
    assertThat(lease().timeToLive(id, LeaseOption.DEFAULT).get(WAIT, TimeUnit.SECONDS).getTTL()).isEqualTo(30);
    lease().revoke(id).get(WAIT, TimeUnit.SECONDS);
    assertThat(exists("k")).isFalse();
    // jetcd turns the TTL 0 of a gone lease into an error
    assertThatThrownBy(() -> lease().keepAliveOnce(id).get(WAIT, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("etcdserver: requested lease not found");
  }

  @Test
  void grantErrorsAreEtcds() throws Exception {
    start(EtcdFakeServer.builder().manualClock());
    assertThat(lease().grant(0).get(WAIT, TimeUnit.SECONDS).getTTL()).isEqualTo(2);
    assertThatThrownBy(() -> lease().grant(9_000_000_001L).get(WAIT, TimeUnit.SECONDS))
        .hasMessageContaining("etcdserver: too large lease TTL");
  }

  @Test
  void resetDropsLeases() throws Exception {
    start(EtcdFakeServer.builder().manualClock());
    long id = lease().grant(60).get(WAIT, TimeUnit.SECONDS).getID();
    server.reset();
    assertThat(server.lessor().leases()).isEmpty();
    assertThat(lease().timeToLive(id, LeaseOption.DEFAULT).get(WAIT, TimeUnit.SECONDS).getTTL()).isEqualTo(-1);
  }

  @Test
  void withTheSystemClockAnUnrenewedLeaseExpiresOnItsOwn() throws Exception {
    start(EtcdFakeServer.builder());
    long id = lease().grant(2).get(WAIT, TimeUnit.SECONDS).getID();
    CountDownLatch gone = new CountDownLatch(1);
    server.store().addCommitListener(rev -> {
      if (server.store().changes(rev, rev, 10).stream().anyMatch(e -> e.type() == Event.Type.DELETE)) {
        gone.countDown();
      }
    });
    kv().put(bs("ephemeral"), bs("v"), PutOption.builder().withLeaseId(id).build()).get(WAIT, TimeUnit.SECONDS);
    assertThat(gone.await(WAIT, TimeUnit.SECONDS)).isTrue();
    assertThat(exists("ephemeral")).isFalse();
    assertThat(server.lessor().leases()).isEmpty();
    assertThat(lease().timeToLive(id, LeaseOption.DEFAULT).get(WAIT, TimeUnit.SECONDS).getTTL()).isEqualTo(-1);
    assertThat(List.of(server.clock())).containsExactly(Clock.system());
  }
}
