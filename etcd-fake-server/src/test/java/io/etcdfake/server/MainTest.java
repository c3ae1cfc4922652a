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
}
