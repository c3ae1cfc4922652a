package io.etcdfake.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The standalone server's command line: etcd's flag names, and picocli's errors for anything else. */
class MainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void unknownFlagIsAnErrorWithUsageAndExitCode2() {
    assertThat(run("--no-such-flag")).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown option: '--no-such-flag'").contains("Usage: etcd-fake");
  }

  @Test
  void helpListsEtcdsFlagNames() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("--listen-client-urls", "--advertise-client-urls", "--name", "http://127.0.0.1:2379");
  }

  @Test
  void versionNamesTheProduct() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString()).startsWith("etcd-fake ");
  }

  @Test
  void listenUrlWithoutPortIsAUsageError() {
    assertThat(run("--listen-client-urls", "http://127.0.0.1")).isEqualTo(2);
    assertThat(err.toString()).contains("--listen-client-urls");
  }

  @Test
  void helpListsEtcdsTlsAndClusterFlags() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("--cert-file", "--key-file", "--trusted-ca-file", "--client-cert-auth",
        "--auto-tls", "--initial-cluster", "--initial-advertise-peer-urls", "--quota-backend-bytes", "--etcd-version");
  }

  @Test
  void executorThreadsMustBePositive() {
    assertThat(run("--fake-executor-threads", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--fake-executor-threads: executor threads must be positive: 0");
  }

  @Test
  void httpsWithoutCertificateIsEtcdsUsageError() {
    assertThat(run("--listen-client-urls", "https://127.0.0.1:0")).isEqualTo(2);
    assertThat(err.toString()).contains("TLS key/cert (--cert-file, --key-file) must be provided for client url");
  }

  @Test
  void initialClusterMustNameThisMember() {
    assertThat(run("--name", "a", "--initial-cluster", "b=http://127.0.0.1:2380")).isEqualTo(2);
    assertThat(err.toString()).contains("couldn't find local name \"a\" in the initial cluster configuration");
  }

  @Test
  void etcdEnvironmentVariablesStandForFlags() {
    java.util.Map<String, String> env = java.util.Map.of("ETCD_NAME", "from-env",
        "ETCD_INITIAL_CLUSTER", "other=http://127.0.0.1:2380", "ETCD_UNKNOWN_THING", "1");
    assertThat(Main.run(new String[0], env, new PrintWriter(out, true), new PrintWriter(err, true))).isEqualTo(2);
    assertThat(err.toString())
        .contains("couldn't find local name \"from-env\"")
        .contains("unrecognized environment variable ETCD_UNKNOWN_THING=1");
  }

  @Test
  void aFlagShadowsItsEnvironmentVariable() {
    java.util.Map<String, String> env = java.util.Map.of("ETCD_NAME", "from-env");
    assertThat(Main.run(new String[] {"--name", "x", "--initial-cluster", "y=http://127.0.0.1:2380"}, env,
        new PrintWriter(out, true), new PrintWriter(err, true))).isEqualTo(2);
    assertThat(err.toString()).contains("ETCD_NAME is shadowed by the command-line flag --name")
        .contains("couldn't find local name \"x\"");
  }
}
