package io.etcdfake.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Debian's etcdctl (API 3) for the tests that compare its output against the fake and a real etcd. */
public final class Etcdctl {
  public static final String PATH = "/usr/bin/etcdctl";

  private Etcdctl() {}

  /** Its exit code ("exit N") and output lines, etcdctl's JSON retry logs left out. */
  public static String run(String endpoint, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(PATH, "--endpoints=" + endpoint, "--command-timeout=20s"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    StringBuilder kept = new StringBuilder("exit " + p.exitValue() + "\n");
    output.lines().filter(l -> !l.startsWith("{\"level\"")).forEach(l -> kept.append(l).append('\n'));
    return kept.toString();
  }
}
