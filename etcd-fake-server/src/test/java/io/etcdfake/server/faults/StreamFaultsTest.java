package io.etcdfake.server.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcdfake.server.EtcdFakeServer;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Dropped streams and restarts as jetcd's watch and lease clients live through them. */
class StreamFaultsTest {

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String next(BlockingQueue<String> values) throws InterruptedException {
    String v = values.poll(30, TimeUnit.SECONDS);
    assertThat(v).as("a watch event within 30 s").isNotNull();
    return v;
  }

  private static Watch.Watcher watchValues(Client client, String key, BlockingQueue<String> values) {
    return client.getWatchClient().watch(bs(key), Watch.listener(r -> {
      for (WatchEvent e : r.getEvents()) {
        values.add(e.getKeyValue().getValue().toString(StandardCharsets.UTF_8));
      }
    }));
  }

  /** Waits until the server has this many watchers: jetcd's watch() returns before its request arrives. */
  private static void awaitWatchers(EtcdFakeServer server, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (server.watchHub().watcherCount() != n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(server.watchHub().watcherCount()).isEqualTo(n);
  }

  @Test
  void aDroppedWatchResumesAndMissesNothing() throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().build().start();
        Client client = Client.builder().endpoints(server.clientEndpoints()).build()) {
      BlockingQueue<String> values = new LinkedBlockingQueue<>();
      try (Watch.Watcher w = watchValues(client, "k", values)) {
        awaitWatchers(server, 1);
        client.getKVClient().put(bs("k"), bs("1")).get(30, TimeUnit.SECONDS);
        assertThat(next(values)).isEqualTo("1");

        assertThat(server.faults().dropStreams()).isEqualTo(1);
        // the server forgot the watcher with its stream
        awaitWatchers(server, 0);
        client.getKVClient().put(bs("k"), bs("2")).get(30, TimeUnit.SECONDS);

        // jetcd resumes from the revision after the last event it saw, so the put made while cut off arrives
        assertThat(next(values)).isEqualTo("2");
        awaitWatchers(server, 1);
      }
    }
  }

  @Test
  void restartKeepingDataKeepsLeasesRenewedAndWatchesResume() throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().manualClock().build().start();
        Client client = Client.builder().endpoints(server.clientEndpoints()).build()) {
      long lease = client.getLeaseClient().grant(10).get(30, TimeUnit.SECONDS).getID();
      client.getKVClient().put(bs("leased"), bs("v"), io.etcd.jetcd.options.PutOption.builder().withLeaseId(lease).build())
          .get(30, TimeUnit.SECONDS);
      server.clock().advance(java.time.Duration.ofSeconds(6));
      BlockingQueue<String> values = new LinkedBlockingQueue<>();
      try (Watch.Watcher w = watchValues(client, "k", values)) {
        awaitWatchers(server, 1);

        server.restart(true);

        // as a restarted etcd, every lease starts over with its full TTL
        assertThat(server.lessor().timeToLive(lease).ttl()).isEqualTo(10);
        assertThat(server.lessor().keysOf(lease)).containsExactly(com.google.protobuf.ByteString.copyFromUtf8("leased"));
        awaitWatchers(server, 1);
        retryingUnavailable(() -> client.getKVClient().put(bs("k"), bs("after")).get(30, TimeUnit.SECONDS));
        assertThat(next(values)).isEqualTo("after");

        server.clock().advance(java.time.Duration.ofSeconds(10));
        assertThat(server.lessor().leases()).isEmpty();
        assertThat(client.getKVClient().get(bs("leased")).get(30, TimeUnit.SECONDS).getKvs()).isEmpty();
      }
    }
  }

  @Test
  void restartDroppingDataDropsLeases() throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().build().start();
        Client client = Client.builder().endpoints(server.clientEndpoints()).build()) {
      long lease = client.getLeaseClient().grant(60).get(30, TimeUnit.SECONDS).getID();
      server.restart(false);
      long ttl = retryingUnavailable(() -> client.getLeaseClient()
          .timeToLive(lease, io.etcd.jetcd.options.LeaseOption.DEFAULT).get(30, TimeUnit.SECONDS).getTTL());
      assertThat(ttl).isEqualTo(-1);
    }
  }

  private static <T> T retryingUnavailable(java.util.concurrent.Callable<T> call) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return call.call();
      } catch (ExecutionException e) {
        if (Status.fromThrowable(e.getCause()).getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }
}
