package io.etcdfake.server.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcdfake.server.EtcdFakeServer;
import io.etcdfake.server.Etcdctl;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * etcdctl watch (key, --prefix, --rev in the past, --prev-kv, a compacted --rev) against the fake
 * and, when a reference etcd is given, against it: the same output for the same writes.
 */
class EtcdctlWatchTest {
  private static EtcdFakeServer server;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(Etcdctl.PATH)), "etcdctl is not installed");
    server = EtcdFakeServer.builder().build().start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** A watch's first {@code lines} lines of output (then it is stopped), or all of it if it exits. */
  private static String watch(String endpoint, int lines, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Etcdctl.PATH, "--endpoints=" + endpoint, "--command-timeout=20s", "watch"));
    command.addAll(List.of(args));
    Process p = Etcdctl.command(command).redirectErrorStream(true).start();
    FutureTask<String> read = new FutureTask<>(() -> {
      StringBuilder out = new StringBuilder();
      BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      int n = 0;
      while (n < lines && (line = r.readLine()) != null) {
        if (!line.startsWith("{\"level\"")) {
          out.append(line).append('\n');
          n++;
        }
      }
      return out.toString();
    });
    new Thread(read, "etcdctl-watch-output").start();
    try {
      // a watch that never prints what is expected fails the test instead of hanging it
      return read.get(Etcdctl.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } finally {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static long revision(String endpoint) throws Exception {
    Matcher m = Pattern.compile("\"revision\":(\\d+)").matcher(Etcdctl.run(endpoint, "get", "w-base", "-w", "json"));
    assertThat(m.find()).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static List<String> session(String endpoint) throws Exception {
    Etcdctl.run(endpoint, "del", "w/", "--prefix");
    long base = revision(endpoint);
    Etcdctl.run(endpoint, "put", "w/a", "1");
    Etcdctl.run(endpoint, "put", "w/a", "2");
    Etcdctl.run(endpoint, "put", "x", "1");
    Etcdctl.run(endpoint, "del", "w/a");
    Etcdctl.run(endpoint, "put", "w/b", "1");
    List<String> transcript = new ArrayList<>();
    transcript.add(watch(endpoint, 8, "w/a", "--rev=" + (base + 1)));
    transcript.add(watch(endpoint, 16, "w/", "--prefix", "--prev-kv", "--rev=" + (base + 1)));
    Etcdctl.run(endpoint, "compact", String.valueOf(base + 3));
    transcript.add(watch(endpoint, 10, "w/", "--prefix", "--rev=" + (base + 1)));
    return transcript;
  }

  @Test
  void watchPrintsWhatEtcdPrints() throws Exception {
    String fake = server.clientEndpoints().get(0).toString();
    List<String> mine = session(fake);
    assertThat(mine.get(0)).isEqualTo("PUT\nw/a\n1\nPUT\nw/a\n2\nDELETE\nw/a\n");
    assertThat(mine.get(1)).isEqualTo("PUT\nw/a\n1\nPUT\nw/a\n1\nw/a\n2\nDELETE\nw/a\n2\nw/a\n\nPUT\nw/b\n1\n");
    assertThat(mine.get(2)).contains("watch was canceled (etcdserver: mvcc: required revision has been compacted)");
    String reference = System.getProperty("etcd.reference.endpoint", "");
    if (!reference.isEmpty()) {
      assertThat(session(reference)).as("the same watches against etcd at %s", reference).isEqualTo(mine);
    }
  }
}
