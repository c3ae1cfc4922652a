package io.etcdfake.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcdfake.server.Etcdctl;
import io.etcdfake.server.Processes;
import io.etcdfake.server.difftest.DifferentialExtension;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * etcdctl (ETCDCTL_API=3) against the standalone jar: one flow of put, get with every listing flag,
 * del, txn and compaction, errors included, in simple, fields and JSON output (watch is GoClientIT's).
 * The transcript must equal the one a real etcd gave (checked in as {@code etcdctl-flow.txt}), and,
 * when a reference etcd is given, the one it gives now.
 */
class EtcdctlIT {
  private static final String ETCDCTL = Etcdctl.PATH;

  /** One server under etcdctl: its endpoint and the revision its keyspace was emptied at. */
  private record Target(String endpoint, long base) {
    static Target emptied(String endpoint) throws Exception {
      run(endpoint, null, "put", "etcdctl-it-reset", "x");
      String del = run(endpoint, null, "del", "", "--prefix", "-w", "json");
      long base = Long.parseLong(del.replaceAll("(?s).*\"revision\":(\\d+).*", "$1"));
      return new Target(endpoint, base);
    }

    /** Runs etcdctl; "{rev:N}" in arguments is a relative revision. Answers the transcript entry. */
    String etcdctl(String stdin, String... args) throws Exception {
      String[] absolute = new String[args.length];
      for (int i = 0; i < args.length; i++) {
        absolute[i] = Transcript.absolute(args[i], base);
      }
      return "$ etcdctl " + String.join(" ", args) + "\n" + Transcript.relative(run(endpoint, stdin, absolute), base);
    }
  }

  @Test
  void theFlowPrintsWhatRealEtcdPrints() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(ETCDCTL)), "etcdctl is not installed");
    String expected = new String(EtcdctlIT.class.getResourceAsStream("etcdctl-flow.txt").readAllBytes(), StandardCharsets.UTF_8);
    String fake;
    try (StandaloneJar jar = StandaloneJar.start()) {
      fake = flow(Target.emptied(jar.endpoint()));
    }
    Files.writeString(Path.of("target", "etcdctl-flow.fake.txt"), fake);
    URI reference = DifferentialExtension.referenceEndpoint();
    if (reference != null) {
      String real = flow(Target.emptied(reference.getHost() + ":" + reference.getPort()));
      Files.writeString(Path.of("target", "etcdctl-flow.reference.txt"), real);
      assertThat(fake).as("etcdctl against the fake and against etcd at %s", reference).isEqualTo(real);
    }
    assertThat(fake).isEqualTo(expected);
  }

  /** Relative revisions: 1 is the empty keyspace, 2 the first put. */
  private static String flow(Target t) throws Exception {
    List<String> out = new ArrayList<>();
    out.add(t.etcdctl(null, "put", "a", "1"));
    out.add(t.etcdctl(null, "put", "b", "2", "-w", "json"));
    out.add(t.etcdctl(null, "put", "a", "3", "--prev-kv"));
    out.add(t.etcdctl(null, "put", "c/1", "x"));
    out.add(t.etcdctl(null, "put", "c/2", "y"));
    out.add(t.etcdctl(null, "put", "a", "--ignore-value", "--prev-kv", "-w", "json"));
    out.add(t.etcdctl(null, "put", "zz", "--ignore-value"));
    out.add(t.etcdctl(null, "get", "a"));
    out.add(t.etcdctl(null, "get", "", "--prefix"));
    out.add(t.etcdctl(null, "get", "", "--prefix", "-w", "json"));
    out.add(t.etcdctl(null, "get", "b", "--from-key", "--keys-only"));
    out.add(t.etcdctl(null, "get", "a", "--rev={rev:2}", "-w", "json"));
    out.add(t.etcdctl(null, "get", "", "--prefix", "--sort-by=MODIFY", "--order=DESCEND"));
    out.add(t.etcdctl(null, "get", "", "--prefix", "--sort-by=VALUE", "--order=ASCEND", "--limit=2", "-w", "json"));
    out.add(t.etcdctl(null, "get", "", "--prefix", "--limit=1", "-w", "json"));
    out.add(t.etcdctl(null, "get", "c", "--prefix", "-w", "json", "--rev={rev:5}"));
    out.add(t.etcdctl(null, "get", "a", "c", "--print-value-only"));
    out.add(t.etcdctl(null, "get", "a", "--rev={rev:100}"));
    out.add(t.etcdctl(null, "get", "", "--prefix", "-w", "table"));
    out.add(t.etcdctl(null, "get", "", "--prefix", "-w", "fields"));
    out.add(t.etcdctl("mod(\"a\") > \"1\"\nvalue(\"b\") = \"2\"\n\nput a 4\nget b\n\ndel b\n\n", "txn"));
    out.add(t.etcdctl("version(\"b\") = \"9\"\n\nput b 5\n\nget a\nput d 6\n\n", "txn", "-w", "json"));
    out.add(t.etcdctl("create(\"nope\") = \"0\"\n\nput a 1\nput a 2\n\n\n", "txn"));
    out.add(t.etcdctl(null, "del", "c", "--prefix", "--prev-kv"));
    out.add(t.etcdctl(null, "del", "nothing"));
    out.add(t.etcdctl(null, "del", "a", "--from-key", "-w", "json"));
    out.add(t.etcdctl(null, "compaction", "{rev:4}"));
    out.add(t.etcdctl(null, "compaction", "{rev:4}"));
    out.add(t.etcdctl(null, "compaction", "{rev:100}"));
    out.add(t.etcdctl(null, "get", "a", "--rev={rev:3}"));
    out.add(t.etcdctl(null, "get", "a", "--rev={rev:4}", "-w", "json"));
    out.add(t.etcdctl(null, "put", "", "x"));
    out.add(t.etcdctl(null, "endpoint", "health"));
    return String.join("\n", out);
  }

  private static String run(String endpoint, String stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(ETCDCTL, "--endpoints", endpoint));
    command.addAll(List.of(args));
    Processes.Output p = Processes.run(Etcdctl.command(command), stdin, Etcdctl.TIMEOUT);
    // the client's own JSON log lines carry times and random ids; the error line says what failed
    String errors = p.stderr().lines()
        .filter(l -> !l.startsWith("{\"level\""))
        .map(l -> l + "\n")
        .reduce("", String::concat);
    return p.stdout() + (errors.isEmpty() ? "" : "[stderr] " + errors) + (p.exit() == 0 ? "" : "[exit " + p.exit() + "]\n");
  }
}
