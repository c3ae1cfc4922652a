package io.etcdfake.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcdfake.server.EtcdFakeServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Server TLS and mutual TLS, seen through jetcd and a bare gRPC client. */
class TlsTest {
  @TempDir Path dir;

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static void putAndGet(Client client) throws Exception {
    client.getKVClient().put(bs("k"), bs("v")).get(30, TimeUnit.SECONDS);
    assertThat(client.getKVClient().get(bs("k")).get(30, TimeUnit.SECONDS).getKvs().get(0).getValue()).isEqualTo(bs("v"));
  }

  @Test
  void autoTlsServesHttpsToAClientTrustingItsCa() throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().autoTls(true).build().start();
        Client client = Client.builder().endpoints(server.clientEndpoints())
            .sslContext(b -> b.trustManager(server.autoTlsAuthority().certificate())).build()) {
      URI endpoint = server.clientEndpoints().get(0);
      assertThat(endpoint.getScheme()).isEqualTo("https");
      assertThat(endpoint.getHost()).isEqualTo("127.0.0.1");
      putAndGet(client);
      assertThat(client.getClusterClient().listMember().get(30, TimeUnit.SECONDS).getMembers().get(0).getClientURIs())
          .containsExactly(endpoint);
    }
  }

  @Test
  void aPlaintextClientCannotTalkToATlsServer() throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().autoTls(true).build().start()) {
      ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        assertThatThrownBy(() -> KVGrpc.newBlockingStub(plain).withDeadlineAfter(30, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("k")).build()))
            .isInstanceOf(StatusRuntimeException.class)
            .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      } finally {
        plain.shutdownNow();
      }
    }
  }

  /** etcd's flags as files: --cert-file, --key-file, --trusted-ca-file, --client-cert-auth. */
  @Test
  void mutualTlsAdmitsCertifiedClientsAndRejectsOthers() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test CA");
    Path caFile = dir.resolve("ca.pem");
    ca.writeCertificate(caFile);
    ca.issue("server", List.of("127.0.0.1", "localhost")).write(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    CertificateAuthority.Issued clientCert = ca.issue("alice", List.of());
    clientCert.write(dir.resolve("client.pem"), dir.resolve("client-key.pem"));

    try (EtcdFakeServer server = EtcdFakeServer.builder()
            .tls(dir.resolve("server.pem"), dir.resolve("server-key.pem"))
            .trustedCaFile(caFile)
            .clientCertAuth(true)
            .build().start()) {
      assertThat(server.clientEndpoints().get(0).getScheme()).isEqualTo("https");
      try (Client client = Client.builder().endpoints(server.clientEndpoints())
          .sslContext(b -> b.trustManager(caFile.toFile())
              .keyManager(dir.resolve("client.pem").toFile(), dir.resolve("client-key.pem").toFile()))
          .build()) {
        putAndGet(client);
      }

      // a client that trusts the server but shows no certificate is turned away in the handshake
      ManagedChannel anonymous = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .sslContext(GrpcSslContexts.forClient().trustManager(caFile.toFile()).build()).build();
      try {
        assertThatThrownBy(() -> KVGrpc.newBlockingStub(anonymous).withDeadlineAfter(30, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("k")).build()))
            .isInstanceOf(StatusRuntimeException.class)
            .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      } finally {
        anonymous.shutdownNow();
      }
      // a certificate from another CA does not do either
      CertificateAuthority other = CertificateAuthority.create("other CA");
      other.issue("mallory", List.of()).write(dir.resolve("m.pem"), dir.resolve("m-key.pem"));
      ManagedChannel stranger = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .sslContext(GrpcSslContexts.forClient().trustManager(caFile.toFile())
              .keyManager(dir.resolve("m.pem").toFile(), dir.resolve("m-key.pem").toFile()).build()).build();
      try {
        assertThatThrownBy(() -> KVGrpc.newBlockingStub(stranger).withDeadlineAfter(30, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("k")).build()))
            .isInstanceOf(StatusRuntimeException.class);
      } finally {
        stranger.shutdownNow();
      }
    }
  }

  @Test
  void httpsWithoutACertificateIsRefusedAsEtcdRefusesIt() {
    assertThatThrownBy(() -> EtcdFakeServer.builder().listenClientUrls(List.of(URI.create("https://127.0.0.1:0"))).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:0 with HTTPS scheme");
    assertThatThrownBy(() -> EtcdFakeServer.builder().autoTls(true).clientCertAuth(true).trustedCaFile(null)
        .listenClientUrls(List.of(URI.create("http://127.0.0.1:0"), URI.create("https://127.0.0.1:0"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** An http listen URL stays plain even with a certificate, as in etcd. */
  @Test
  void explicitHttpListenUrlStaysPlain() throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().autoTls(true)
            .listenClientUrls(List.of(URI.create("http://127.0.0.1:0"))).build().start();
        Client client = Client.builder().endpoints(server.clientEndpoints()).build()) {
      assertThat(server.clientEndpoints().get(0).getScheme()).isEqualTo("http");
      putAndGet(client);
    }
  }
}
