package io.etcdfake.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Runs Debian's etcdctl (API 3) for the tests that compare its output against the fake and a real etcd. */
public final class Etcdctl {
  public static final String PATH = "/usr/bin/etcdctl";

  /** Longer than the --command-timeout the tests give etcdctl, so etcdctl's own timeout shows first. */
  public static final Duration TIMEOUT = Duration.ofSeconds(60);

  private Etcdctl() {}

  /** A process builder for etcdctl's command line {@code command}, speaking API 3. */
  public static ProcessBuilder command(List<String> command) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("ETCDCTL_API", "3");
    return pb;
  }

  /** Its exit code ("exit N") and output lines, etcdctl's JSON retry logs left out. */
  public static String run(String endpoint, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(PATH, "--endpoints=" + endpoint, "--command-timeout=20s"));
    command.addAll(List.of(args));
    Processes.Output output = Processes.run(command(command).redirectErrorStream(true), null, TIMEOUT);
    StringBuilder kept = new StringBuilder("exit " + output.exit() + "\n");
    output.stdout().lines().filter(l -> !l.startsWith("{\"level\"")).forEach(l -> kept.append(l).append('\n'));
    return kept.toString();
  }
}
