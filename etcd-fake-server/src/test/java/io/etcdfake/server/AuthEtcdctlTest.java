package io.etcdfake.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * etcdctl's auth commands against the standalone server (its Main, in a JVM of its own, with the
 * flags a user would give), printing what they print against a real etcd.
 */
class AuthEtcdctlTest {
  private static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");
  private Process server;
  private String endpoint;

  /** What one etcdctl run printed on stdout, and on stderr (client warnings, errors), and its exit code. */
  private record Run(int exit, String output, String errors) {}

  @BeforeEach
  void startStandalone() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(ETCDCTL), "etcdctl not installed");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    endpoint = "127.0.0.1:" + port;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    server = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "--listen-client-urls", "http://" + endpoint, "--auth-token", "simple", "--bcrypt-cost", "4")
        .redirectErrorStream(true)
        .start();
    // the server prints one line when it is ready (after any logging noise); null means it died
    var reader = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      seen.append(line).append('\n');
      if (line.contains("ready to serve client requests")) {
        return;
      }
    }
    throw new AssertionError("the standalone server did not start:\n" + seen);
  }

  @AfterEach
  void stopStandalone() throws InterruptedException {
    if (server != null) {
      server.destroy();
      server.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private Run etcdctl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(ETCDCTL.toString(), "--endpoints", endpoint));
    cmd.addAll(List.of(args));
    Path errors = Files.createTempFile("etcdctl", ".err");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(errors.toFile());
      pb.environment().put("ETCDCTL_API", "3");
      pb.redirectInput(new File("/dev/null"));
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      return new Run(p.exitValue(), out, Files.readString(errors));
    } finally {
      Files.delete(errors);
    }
  }

  @Test
  void usersRolesEnableAndDeniedReads() throws Exception {
    assertThat(etcdctl("user", "add", "root:rootpw").output()).isEqualTo("User root created\n");
    assertThat(etcdctl("user", "add", "app:apppw").output()).isEqualTo("User app created\n");
    assertThat(etcdctl("role", "add", "app-role").output()).isEqualTo("Role app-role created\n");
    assertThat(etcdctl("role", "grant-permission", "app-role", "--prefix=true", "readwrite", "app/").output())
        .isEqualTo("Role app-role updated\n");
    assertThat(etcdctl("user", "grant-role", "app", "app-role").output()).isEqualTo("Role app-role is granted to user app\n");
    assertThat(etcdctl("put", "secret", "s").output()).isEqualTo("OK\n");
    // etcdctl adds the root role and grants it to root itself when it is missing
    assertThat(etcdctl("auth", "enable").output()).isEqualTo("Authentication Enabled\n");

    Run anonymous = etcdctl("get", "secret");
    assertThat(anonymous.exit()).isNotZero();
    assertThat(anonymous.errors()).contains("Error: etcdserver: user name is empty");
    assertThat(etcdctl("--user", "root:rootpw", "get", "secret").output()).isEqualTo("secret\ns\n");
    assertThat(etcdctl("--user", "app:apppw", "put", "app/x", "1").output()).isEqualTo("OK\n");
    Run denied = etcdctl("--user", "app:apppw", "get", "secret");
    assertThat(denied.exit()).isNotZero();
    assertThat(denied.errors()).contains("Error: etcdserver: permission denied");
    Run badPassword = etcdctl("--user", "app:wrong", "get", "app/x");
    assertThat(badPassword.exit()).isNotZero();
    assertThat(badPassword.errors()).contains("authentication failed, invalid user ID or password");

    assertThat(etcdctl("--user", "root:rootpw", "user", "list").output()).isEqualTo("app\nroot\n");
    assertThat(etcdctl("--user", "root:rootpw", "role", "get", "app-role").output())
        .isEqualTo("Role app-role\nKV Read:\n\t[app/, app0) (prefix app/)\nKV Write:\n\t[app/, app0) (prefix app/)\n");
    assertThat(etcdctl("--user", "root:rootpw", "auth", "disable").output()).isEqualTo("Authentication Disabled\n");
    assertThat(etcdctl("get", "secret", "--print-value-only").output()).isEqualTo("s\n");
  }
}
