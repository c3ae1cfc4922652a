package io.etcdfake.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** restart(keepData): same port, connections cut, data kept or dropped; the same jetcd client carries on. */
class RestartTest {

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** A client's first call after a restart may race the reconnect; real clients retry such UNAVAILABLE. */
  private static <T> T retryingUnavailable(Callable<T> call) throws Exception {
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

  @Test
  void restartKeepingDataComesBackOnTheSamePortWithEverything() throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().build().start();
        Client client = Client.builder().endpoints(server.clientEndpoints()).build()) {
      KV kv = client.getKVClient();
      kv.put(bs("a"), bs("1")).get(30, TimeUnit.SECONDS);
      kv.put(bs("a"), bs("2")).get(30, TimeUnit.SECONDS);
      int port = server.port();
      var endpoints = server.clientEndpoints();

      assertThat(server.restart(true)).isSameAs(server);

      assertThat(server.port()).isEqualTo(port);
      assertThat(server.clientEndpoints()).isEqualTo(endpoints);
      assertThat(server.isRunning()).isTrue();
      GetResponse got = retryingUnavailable(() -> kv.get(bs("a")).get(30, TimeUnit.SECONDS));
      assertThat(got.getKvs()).singleElement().satisfies(k -> {
        assertThat(k.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("2");
        assertThat(k.getVersion()).isEqualTo(2);
        assertThat(k.getModRevision()).isEqualTo(3);
      });
      assertThat(kv.put(bs("a"), bs("3")).get(30, TimeUnit.SECONDS).getHeader().getRevision()).isEqualTo(4);
    }
  }

  @Test
  void restartDroppingDataComesBackEmptyAtRevisionOne() throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().build().start();
        Client client = Client.builder().endpoints(server.clientEndpoints()).build()) {
      KV kv = client.getKVClient();
      kv.put(bs("a"), bs("1")).get(30, TimeUnit.SECONDS);
      int port = server.port();

      server.restart(false).restart(false);

      assertThat(server.port()).isEqualTo(port);
      GetResponse got = retryingUnavailable(() -> kv.get(bs("a")).get(30, TimeUnit.SECONDS));
      assertThat(got.getKvs()).isEmpty();
      assertThat(got.getHeader().getRevision()).isEqualTo(1);
    }
  }

  @Test
  void aClosedOrUnstartedServerCannotRestart() throws Exception {
    EtcdFakeServer unstarted = EtcdFakeServer.builder().build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> unstarted.restart(true))
        .isInstanceOf(IllegalStateException.class);
    EtcdFakeServer server = EtcdFakeServer.builder().build().start();
    server.close();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> server.restart(true))
        .isInstanceOf(IllegalStateException.class);
  }
}
