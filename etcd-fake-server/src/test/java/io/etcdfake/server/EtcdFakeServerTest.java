package io.etcdfake.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The embedded server's lifecycle, seen through jetcd as a user sees it. */
class EtcdFakeServerTest {

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Test
  void servesJetcdOnAFreeLoopbackPort() throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().build().start();
        Client client = Client.builder().endpoints(server.clientEndpoints()).build()) {
      List<URI> endpoints = server.clientEndpoints();
      assertThat(endpoints).hasSize(1);
      assertThat(endpoints.get(0).getHost()).isEqualTo("127.0.0.1");
      assertThat(endpoints.get(0).getPort()).isEqualTo(server.port()).isPositive();

      KV kv = client.getKVClient();
      long rev = kv.put(bs("key"), bs("value")).get(30, TimeUnit.SECONDS).getHeader().getRevision();
      assertThat(rev).isEqualTo(2);
      GetResponse got = kv.get(bs("key")).get(30, TimeUnit.SECONDS);
      assertThat(got.getKvs()).singleElement().satisfies(kv1 -> {
        assertThat(kv1.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("value");
        assertThat(kv1.getCreateRevision()).isEqualTo(2);
        assertThat(kv1.getVersion()).isEqualTo(1);
      });
      assertThat(got.getHeader().getClusterId()).isEqualTo(server.identity().clusterId());
      assertThat(got.getHeader().getMemberId()).isEqualTo(server.identity().memberId());
    }
  }

  @Test
  void defaultIdentityIsTheOneOfAFreshDefaultEtcd() {
    MemberIdentity id = EtcdFakeServer.builder().build().identity();
    assertThat(Long.toUnsignedString(id.clusterId())).isEqualTo("14841639068965178418");
    assertThat(Long.toUnsignedString(id.memberId())).isEqualTo("10276657743932975437");
    assertThat(id.raftTerm()).isEqualTo(2);
    assertThat(id.name()).isEqualTo("default");
  }

  @Test
  void resetEmptiesTheStoreBackToRevisionOne() throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().build().start();
        Client client = Client.builder().endpoints(server.clientEndpoints()).build()) {
      KV kv = client.getKVClient();
      kv.put(bs("a"), bs("1")).get(30, TimeUnit.SECONDS);
      kv.put(bs("b"), bs("2")).get(30, TimeUnit.SECONDS);
      server.reset();
      GetResponse all = kv.get(bs("\0"), GetOption.builder().withRange(bs("\0")).build()).get(30, TimeUnit.SECONDS);
      assertThat(all.getKvs()).isEmpty();
      assertThat(all.getHeader().getRevision()).isEqualTo(1);
      assertThat(kv.put(bs("a"), bs("again")).get(30, TimeUnit.SECONDS).getHeader().getRevision()).isEqualTo(2);
    }
  }

  @Test
  void advertisedUrlsAreWhatClientEndpointsReport() throws Exception {
    URI advertised = URI.create("http://etcd.example:2379");
    try (EtcdFakeServer server = EtcdFakeServer.builder().advertiseClientUrls(List.of(advertised)).build().start()) {
      assertThat(server.clientEndpoints()).containsExactly(advertised);
    }
  }

  @Test
  void closeReleasesThePortAndIsIdempotent() throws Exception {
    EtcdFakeServer server = EtcdFakeServer.builder().build().start();
    int port = server.port();
    server.close();
    server.close();
    assertThat(server.isRunning()).isFalse();
    try (ServerSocket again = new ServerSocket(port)) {
      assertThat(again.getLocalPort()).isEqualTo(port);
    }
    assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void listenUrlsMustBeHttpWithHostAndPort() {
    assertThatThrownBy(() -> EtcdFakeServer.builder().listenClientUrls(List.of(URI.create("unix://x"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http://HOST:PORT");
  }
}
