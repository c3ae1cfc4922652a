package io.etcdfake.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcdfake.server.Processes;
import io.etcdfake.server.difftest.DifferentialExtension;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * etcd's own Go client (clientv3, from Debian's golang-etcd-server-dev, built offline in GOPATH mode)
 * against the standalone jar: the program in {@code src/test/go/clientflow} prints what it sees, and
 * that must equal what it printed against a real etcd (checked in as {@code go-clientv3-*.txt}) and,
 * when a reference etcd is given, what it prints against that now.
 */
class GoClientIT {
  private static final Path GOPATH = Path.of("/usr/share/gocode");
  private static Path program;

  @BeforeAll
  static void build() throws Exception {
    assumeTrue(Files.isDirectory(GOPATH.resolve("src/go.etcd.io/etcd/clientv3")),
        "Go's etcd client is not installed (apt-get install golang-go golang-etcd-server-dev)");
    Path work = Path.of(System.getProperty("go.work", "target/go"));
    program = work.resolve("clientflow");
    Result built = run(List.of("go", "build", "-o", program.toAbsolutePath().toString(), "."),
        Path.of(System.getProperty("go.sources", "src/test/go")).resolve("clientflow"), work);
    assertThat(built.exit()).as("go build: %s", built.output()).isZero();
  }

  @Test
  void kvTxnCompactionAndLeaseFlow() throws Exception {
    compareFlow("kv", "go-clientv3-kv.txt");
  }

  @Test
  void watchFlow() throws Exception {
    compareFlow("watch", "go-clientv3-watch.txt");
  }

  /** The seed article's TestLock through Go's concurrency package (client-side, on KV, Lease and Watch). */
  @Test
  void lockFlow() throws Exception {
    compareFlow("lock", "go-clientv3-lock.txt");
  }

  private static void compareFlow(String flow, String golden) throws Exception {
    String fake;
    try (StandaloneJar jar = StandaloneJar.start()) {
      if (flow.equals("watch")) {
        assumeTrue(StandaloneJar.servesWatch(jar.hostPort()), "the fake has no Watch service yet");
      }
      fake = flowAgainst(jar.hostPort(), flow);
    }
    Files.writeString(Path.of("target", golden.replace(".txt", ".fake.txt")), fake);
    URI reference = DifferentialExtension.referenceEndpoint();
    if (reference != null) {
      String real = flowAgainst(reference.getHost() + ":" + reference.getPort(), flow);
      Files.writeString(Path.of("target", golden.replace(".txt", ".reference.txt")), real);
      assertThat(fake).as("Go clientv3 against the fake and against etcd at %s", reference).isEqualTo(real);
    }
    String expected = new String(GoClientIT.class.getResourceAsStream(golden).readAllBytes(), StandardCharsets.UTF_8);
    assertThat(fake).isEqualTo(expected);
  }

  private static String flowAgainst(String hostPort, String flow) throws Exception {
    Result r = run(List.of(program.toAbsolutePath().toString(), "-flow", flow, hostPort), Path.of("."), null);
    assertThat(r.exit()).as("clientflow against %s: %s", hostPort, r.output()).isZero();
    return r.output();
  }

  private record Result(int exit, String output) {}

  /** Runs a command; stdout is the result, stderr (the client's own logging) is dropped. */
  private static Result run(List<String> command, Path dir, Path goWork) throws IOException, Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
    if (goWork != null) {
      // offline: GOPATH mode over Debian's Go sources; the user's build cache (kept between builds,
      // which saves a minute of compiling gRPC) or, without a home, one of our own
      Files.createDirectories(goWork);
      pb.environment().put("GOPATH", GOPATH.toString());
      pb.environment().put("GO111MODULE", "off");
      pb.environment().put("GOFLAGS", "");
      if (System.getenv("HOME") == null && System.getenv("XDG_CACHE_HOME") == null) {
        pb.environment().put("GOCACHE", goWork.toAbsolutePath().resolve("cache").toString());
      }
      pb.redirectErrorStream(true);
    }
    Processes.Output out = Processes.run(pb, null, Duration.ofSeconds(120));
    return new Result(out.exit(), out.stdout());
  }
}
