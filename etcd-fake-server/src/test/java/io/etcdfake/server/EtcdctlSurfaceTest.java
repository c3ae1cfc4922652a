package io.etcdfake.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcdfake.server.difftest.DifferentialExtension;
import io.etcdfake.server.tls.CertificateAuthority;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcdctl's maintenance, member and TLS commands against the standalone server started as etcd is
 * started (flags and ETCD_* variables), and, with a reference etcd, the same commands against it:
 * the same output once ids, names, addresses, sizes and timings are set aside.
 */
class EtcdctlSurfaceTest {
  private static final String ETCDCTL = "/usr/bin/etcdctl";
  private static final long WAIT = 30;
  private final List<Process> started = new ArrayList<>();
  @TempDir Path dir;

  @AfterEach
  void stopAll() throws Exception {
    for (Process p : started) {
      p.destroy();
      p.waitFor(WAIT, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts the standalone server; answers its ready line. Its stderr goes to dir/stderr.txt. */
  private String startStandalone(Map<String, String> env, String... flags) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(flags));
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(dir.resolve("stderr.txt").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    started.add(p);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    return CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        return null;
      }
    }).get(WAIT, TimeUnit.SECONDS);
  }

  private static String etcdctl(String endpoint, String... args) throws Exception {
    return Etcdctl.run(endpoint, args);
  }

  /** What differs between any two etcds: ids, names, addresses, versions, sizes, indexes, timings. */
  private static String normalized(String output, String endpoint) {
    URI u = URI.create(endpoint);
    return output.replace(endpoint, "ENDPOINT").replace(u.getHost() + ":" + u.getPort(), "ENDPOINT")
        .replaceAll("\\b[0-9a-f]{15,16}\\b", "ID")
        .replaceAll("took = \\S+", "took = T")
        .replaceAll("3\\.[45]\\.\\d+", "VERSION")
        .replaceAll("\\d+(\\.\\d+)? (bytes|kB|MB|GB)", "SIZE")
        .replaceAll("ID, started, [^,]+, [^,]+, ", "ID, started, NAME, PEER, ")
        .replaceAll("(true|false), (true|false), (\\d+), \\d+, \\d+, ", "$1, $2, $3, INDEX, INDEX, ")
        .replaceAll("Snapshot saved at .*", "Snapshot saved at FILE");
  }

  @Test
  void maintenanceAndMemberCommandsPrintWhatEtcdPrints() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(ETCDCTL)), "etcdctl is not installed");
    String endpoint = "http://127.0.0.1:" + freePort();
    int peer = freePort();
    String ready = startStandalone(Map.of("ETCD_NAME", "fake-node", "ETCD_DATA_DIR", dir.resolve("data").toString()),
        "--listen-client-urls", endpoint, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
        "--initial-cluster", "fake-node=http://127.0.0.1:" + peer, "--initial-cluster-state", "new");
    assertThat(ready).contains("ready to serve client requests on " + endpoint);

    assertThat(etcdctl(endpoint, "member", "list")).matches(
        "exit 0\n[0-9a-f]{1,16}, started, fake-node, http://127.0.0.1:" + peer + ", " + endpoint + ", false\n");
    assertThat(etcdctl(endpoint, "endpoint", "health"))
        .startsWith("exit 0\n" + endpoint + " is healthy: successfully committed proposal: took = ");
    assertThat(etcdctl(endpoint, "endpoint", "status")).matches(
        "exit 0\n" + java.util.regex.Pattern.quote(endpoint) + ", [0-9a-f]{1,16}, 3.5.17, 20 kB, true, false, 2, 4, 4, \n");
    assertThat(etcdctl(endpoint, "alarm", "list")).isEqualTo("exit 0\n");
    assertThat(etcdctl(endpoint, "put", "k", "v")).isEqualTo("exit 0\nOK\n");
    assertThat(etcdctl(endpoint, "defrag")).isEqualTo("exit 0\nFinished defragmenting etcd member[" + endpoint + "]\n");
    Path snapshot = dir.resolve("snap.db");
    assertThat(etcdctl(endpoint, "snapshot", "save", snapshot.toString())).endsWith("Snapshot saved at " + snapshot + "\n");

    // the data dir is ignored, and said to be
    assertThat(Files.readString(dir.resolve("stderr.txt"))).contains("--data-dir has no effect here");
    assertThat(Files.exists(dir.resolve("data"))).isFalse();

    // etcdctl's snapshot file starts a new server with the same keys and revisions
    try (EtcdFakeServer restored = EtcdFakeServer.builder()
        .restore(new ByteArrayInputStream(Files.readAllBytes(snapshot))).build()) {
      assertThat(restored.store().currentRevision()).isEqualTo(2);
      assertThat(restored.store().get(com.google.protobuf.ByteString.copyFromUtf8("k"), 2).value().toStringUtf8())
          .isEqualTo("v");
    }

    URI reference = DifferentialExtension.referenceEndpoint();
    if (reference != null) {
      String ref = reference.toString();
      for (String[] command : new String[][] {{"member", "list"}, {"endpoint", "health"}, {"endpoint", "status"},
          {"alarm", "list"}, {"defrag"}}) {
        assertThat(normalized(etcdctl(endpoint, command), endpoint))
            .as(String.join(" ", command))
            .isEqualTo(normalized(etcdctl(ref, command), ref).replace("Finished defragmenting etcd member[" + ref + "]",
                "Finished defragmenting etcd member[ENDPOINT]"));
      }
    }
  }

  @Test
  void etcdctlTalksTlsAndMutualTls() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(ETCDCTL)), "etcdctl is not installed");
    CertificateAuthority ca = CertificateAuthority.create("test CA");
    Path caFile = dir.resolve("ca.pem");
    ca.writeCertificate(caFile);
    ca.issue("server", List.of("127.0.0.1")).write(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
    ca.issue("client", List.of()).write(dir.resolve("client.pem"), dir.resolve("client-key.pem"));
    String endpoint = "https://127.0.0.1:" + freePort();
    String ready = startStandalone(Map.of("ETCD_CLIENT_CERT_AUTH", "true", "ETCD_TRUSTED_CA_FILE", caFile.toString()),
        "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
        "--cert-file", dir.resolve("server.pem").toString(), "--key-file", dir.resolve("server-key.pem").toString());
    assertThat(ready).contains("ready to serve client requests on " + endpoint);

    String[] tls = {"--cacert=" + caFile, "--cert=" + dir.resolve("client.pem"), "--key=" + dir.resolve("client-key.pem")};
    assertThat(etcdctl(endpoint, tls[0], tls[1], tls[2], "put", "k", "v")).isEqualTo("exit 0\nOK\n");
    assertThat(etcdctl(endpoint, tls[0], tls[1], tls[2], "get", "k", "--print-value-only")).isEqualTo("exit 0\nv\n");
    assertThat(etcdctl(endpoint, tls[0], tls[1], tls[2], "member", "list")).contains(", " + endpoint + ", false");
    // without a client certificate the handshake fails
    assertThat(etcdctl(endpoint, "--dial-timeout=3s", "--command-timeout=3s", tls[0], "get", "k")).doesNotStartWith("exit 0");
  }
}
