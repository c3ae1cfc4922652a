package io.etcdfake.server.lease;

import io.etcdfake.server.Etcdctl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcdfake.server.Main;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * etcdctl's lease commands against the standalone server (its main class in a JVM of its own), and,
 * when a reference etcd is given, against that too: the same output, lease ids aside.
 */
class EtcdctlLeaseTest {
  private static final String ETCDCTL = "/usr/bin/etcdctl";
  private static final long WAIT = 30;
  private static Process fake;
  private static String fakeEndpoint;

  @BeforeAll
  static void startStandalone() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(ETCDCTL)), "etcdctl is not installed");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    fakeEndpoint = "http://127.0.0.1:" + port;
    fake = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--listen-client-urls", fakeEndpoint)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    BufferedReader out = new BufferedReader(new InputStreamReader(fake.getInputStream(), StandardCharsets.UTF_8));
    String ready = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        return null;
      }
    }).get(WAIT, TimeUnit.SECONDS);
    assertThat(ready).contains("ready to serve client requests on " + fakeEndpoint);
  }

  @AfterAll
  static void stopStandalone() throws Exception {
    if (fake != null) {
      fake.destroy();
      fake.waitFor(WAIT, TimeUnit.SECONDS);
    }
  }

  private static String etcdctl(String endpoint, String... args) throws Exception {
    return Etcdctl.run(endpoint, args);
  }

  private static String normalized(String output) {
    // a second or more may pass between two etcdctl runs on a busy machine
    return output.replaceAll("\\b[0-9a-f]{16}\\b", "ID").replaceAll("remaining\\(5[5-9]s\\)", "remaining(59s)");
  }

  private static String leaseId(String grantOutput) {
    return grantOutput.lines().filter(l -> l.startsWith("lease ")).findFirst().orElseThrow().split(" ")[1];
  }

  /** The session every server must answer alike; answers the normalized transcript. */
  private static List<String> session(String endpoint) throws Exception {
    for (String line : etcdctl(endpoint, "lease", "list").lines().toList()) {
      if (line.matches("[0-9a-f]+") && !line.isEmpty()) {
        etcdctl(endpoint, "lease", "revoke", line);
      }
    }
    etcdctl(endpoint, "del", "", "--from-key");
    List<String> transcript = new ArrayList<>();
    String grant = etcdctl(endpoint, "lease", "grant", "60");
    transcript.add(grant);
    String id = leaseId(grant);
    transcript.add(etcdctl(endpoint, "put", "--lease=" + id, "k", "v"));
    transcript.add(etcdctl(endpoint, "lease", "list"));
    transcript.add(etcdctl(endpoint, "lease", "timetolive", "--keys", id));
    transcript.add(etcdctl(endpoint, "lease", "keep-alive", "--once", id));
    transcript.add(etcdctl(endpoint, "lease", "revoke", id));
    transcript.add(etcdctl(endpoint, "lease", "timetolive", id));
    transcript.add(etcdctl(endpoint, "get", "k"));
    transcript.add(etcdctl(endpoint, "lease", "revoke", id));
    transcript.add(etcdctl(endpoint, "put", "--lease=1234", "k", "v"));
    transcript.add(etcdctl(endpoint, "lease", "grant", "0"));
    transcript.add(etcdctl(endpoint, "lease", "grant", "9000000001"));
    return transcript.stream().map(EtcdctlLeaseTest::normalized).toList();
  }

  @Test
  void leaseCommandsPrintWhatEtcdPrints() throws Exception {
    List<String> mine = session(fakeEndpoint);
    assertThat(mine).containsExactly(
        "exit 0\nlease ID granted with TTL(60s)\n",
        "exit 0\nOK\n",
        "exit 0\nfound 1 leases\nID\n",
        "exit 0\nlease ID granted with TTL(60s), remaining(59s), attached keys([k])\n",
        "exit 0\nlease ID keepalived with TTL(60)\n",
        "exit 0\nlease ID revoked\n",
        "exit 0\nlease ID already expired\n",
        "exit 0\n",
        "exit 1\nError: failed to revoke lease (etcdserver: requested lease not found)\n",
        "exit 1\nError: etcdserver: requested lease not found\n",
        "exit 0\nlease ID granted with TTL(2s)\n",
        "exit 1\nError: failed to grant lease (etcdserver: too large lease TTL)\n");
    String reference = System.getProperty("etcd.reference.endpoint", "");
    if (!reference.isEmpty()) {
      assertThat(session(reference)).as("the same session against etcd at %s", reference).isEqualTo(mine);
    }
  }

  @Test
  void aTwoSecondLeaseNotKeptAliveDeletesItsKeys() throws Exception {
    String id = leaseId(etcdctl(fakeEndpoint, "lease", "grant", "2"));
    assertThat(etcdctl(fakeEndpoint, "put", "--lease=" + id, "ephemeral", "v")).isEqualTo("exit 0\nOK\n");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
    String got;
    do {
      got = etcdctl(fakeEndpoint, "get", "ephemeral");
    } while (got.contains("ephemeral") && System.nanoTime() < deadline);
    assertThat(got).isEqualTo("exit 0\n");
    assertThat(normalized(etcdctl(fakeEndpoint, "lease", "timetolive", id))).isEqualTo("exit 0\nlease ID already expired\n");
  }
}
