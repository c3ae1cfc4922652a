package io.etcdfake.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdfake.server.Etcdctl;
import io.etcdfake.server.Processes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code etcdctl lock} and {@code etcdctl elect} against the standalone jar. They use Go's client-side
 * recipes (a session lease kept alive, the mutex / election txns, sorted reads with
 * max_create_revision, watches from a header revision), so they check the KV, Lease and Watch
 * behaviour those rely on. A second contender waits, and takes over when the first ends.
 */
// a read of etcdctl's output that never comes fails the test instead of hanging the build
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LockElectEtcdctlIT {
  private static StandaloneJar jar;
  private static final List<Process> started = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    jar = StandaloneJar.start();
  }

  @AfterAll
  static void stop() throws Exception {
    jar.close();
  }

  @AfterEach
  void stopEtcdctls() throws Exception {
    for (Process p : started) {
      p.destroyForcibly().waitFor();
    }
    started.clear();
  }

  private static Process etcdctl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Etcdctl.PATH, "--endpoints", jar.hostPort()));
    command.addAll(List.of(args));
    Process p = Etcdctl.command(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    started.add(p);
    return p;
  }

  private static BufferedReader out(Process p) {
    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
  }

  private static String finish(Process p) throws Exception {
    Processes.Output out = Processes.finish(p, null, Duration.ofSeconds(StandaloneJar.WAIT_SECONDS));
    assertThat(out.exit()).isZero();
    return out.stdout();
  }

  @Test
  void aSecondLockWaitsForTheFirstToEnd() throws Exception {
    assertThat(finish(etcdctl("lock", "mylock", "echo", "alone"))).isEqualTo("alone\n");

    Process first = etcdctl("lock", "mylock");
    BufferedReader firstOut = out(first);
    // with no command etcdctl prints the key it holds and keeps the lock until it is stopped
    assertThat(firstOut.readLine()).matches("mylock/[0-9a-f]+");
    Process second = etcdctl("lock", "mylock", "echo", "second");
    assertThat(second.waitFor(1, TimeUnit.SECONDS)).as("the second lock waits").isFalse();
    first.destroy(); // SIGTERM: etcdctl unlocks and closes its session
    assertThat(finish(second)).isEqualTo("second\n");
    first.waitFor(StandaloneJar.WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  void aSecondCandidateLeadsWhenTheFirstEnds() throws Exception {
    Process alice = etcdctl("elect", "myelection", "alice");
    BufferedReader aliceOut = out(alice);
    assertThat(aliceOut.readLine()).matches("myelection/[0-9a-f]+");
    assertThat(aliceOut.readLine()).isEqualTo("alice");

    Process bob = etcdctl("elect", "myelection", "bob");
    BufferedReader bobOut = out(bob);
    assertThat(bob.waitFor(1, TimeUnit.SECONDS)).as("bob waits").isFalse();
    alice.destroy();
    assertThat(bobOut.readLine()).matches("myelection/[0-9a-f]+");
    assertThat(bobOut.readLine()).isEqualTo("bob");
    bob.destroy();
    assertThat(alice.waitFor(StandaloneJar.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(bob.waitFor(StandaloneJar.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }
}
