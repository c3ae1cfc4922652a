package io.etcdfake.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcdfake.server.EtcdFakeServer;
import io.etcdfake.server.Main;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;

/** The server under load when it is stopped, killed or restarted: nothing acknowledged is lost. */
class FaultsAndLifecycleTest {
  private static final Pattern READY = Pattern.compile("ready to serve client requests on http://127\\.0\\.0\\.1:(\\d+)");

  private static ManagedChannel channel(int port) {
    return ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private static PutRequest put(String key, String value) {
    return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build();
  }

  /** Writers putting unique keys until told to stop; each acknowledged put is remembered. */
  private static final class Writers {
    final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    final AtomicInteger failures = new AtomicInteger();
    final List<Status.Code> failureCodes = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicBoolean stop = new AtomicBoolean();
    final List<Thread> threads = new ArrayList<>();
    final CountDownLatch warmedUp;

    Writers(int port, int n, int warmUpPuts) {
      warmedUp = new CountDownLatch(warmUpPuts);
      for (int w = 0; w < n; w++) {
        int writer = w;
        Thread t = new Thread(() -> {
          ManagedChannel ch = channel(port);
          try {
            for (int i = 0; !stop.get(); i++) {
              String key = "w" + writer + "/" + i;
              try {
                KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS).put(put(key, "v" + i));
                acknowledged.put(key, "v" + i);
                warmedUp.countDown();
              } catch (StatusRuntimeException e) {
                failures.incrementAndGet();
                failureCodes.add(e.getStatus().getCode());
              }
            }
          } finally {
            ch.shutdownNow();
          }
        }, "writer-" + w);
        t.start();
        threads.add(t);
      }
    }

    void stopAndJoin() throws InterruptedException {
      stop.set(true);
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(t.isAlive()).isFalse();
      }
    }
  }

  /**
   * The standalone server (Main, in a JVM of its own) under 8 writers is sent SIGTERM: it stops
   * within the wait, says so, and prints no exception. Its etcd limit flags are in force.
   */
  @Test
  void standaloneServerStopsCleanlyOnSigtermUnderLoad(@TempDir Path dir, TestReporter report) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    File err = dir.resolve("stderr").toFile();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "--listen-client-urls", "http://127.0.0.1:0", "--max-txn-ops", "2", "--max-request-bytes", "4096")
        .redirectError(err)
        .start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).as("first line of stdout").isNotNull();
      Matcher m = READY.matcher(line);
      assertThat(m.find()).as(line).isTrue();
      int port = Integer.parseInt(m.group(1));

      ManagedChannel ch = channel(port);
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
        TxnRequest.Builder txn = TxnRequest.newBuilder();
        for (int i = 0; i < 3; i++) {
          txn.addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k" + i))));
        }
        assertThat(statusOf(() -> kv.txn(txn.build())).getDescription()).isEqualTo("etcdserver: too many operations in txn request");
        assertThat(statusOf(() -> kv.put(put("big", "x".repeat(5000)))).getDescription()).isEqualTo("etcdserver: request is too large");
      } finally {
        ch.shutdownNow();
      }

      Writers writers = new Writers(port, 8, 50);
      assertThat(writers.warmedUp.await(60, TimeUnit.SECONDS)).isTrue();
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
      writers.stopAndJoin();
      // 143 = killed by SIGTERM after the shutdown hook ran, as the JVM reports it
      assertThat(p.exitValue()).isIn(0, 143);
      String stderr = Files.readString(err.toPath());
      assertThat(stderr).contains("etcd-fake stopped").doesNotContain("Exception").doesNotContain("SEVERE");
      assertThat(writers.failureCodes).allMatch(c -> c == Status.Code.UNAVAILABLE || c == Status.Code.CANCELLED,
          "writers only see the server go away");
      report.publishEntry("sigterm", "8 writers, " + writers.acknowledged.size() + " puts acknowledged, "
          + writers.failures.get() + " failed as the server went away; exit " + p.exitValue());
    } finally {
      p.destroyForcibly();
    }
  }

  private static Status statusOf(Runnable call) {
    try {
      call.run();
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  /** A restart keeping data, with 8 writers at work: every put acknowledged before or after is there. */
  @Test
  void restartUnderLoadLosesNoAcknowledgedWrite(TestReporter report) throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().build().start()) {
      int port = server.port();
      Writers writers = new Writers(port, 8, 100);
      assertThat(writers.warmedUp.await(60, TimeUnit.SECONDS)).isTrue();
      server.restart(true);
      int before = writers.acknowledged.size();
      // let the writers reconnect and write on the restarted server
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (writers.acknowledged.size() < before + 100 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      writers.stopAndJoin();
      assertThat(writers.acknowledged.size()).as("writes after the restart").isGreaterThanOrEqualTo(before + 100);
      assertThat(server.port()).isEqualTo(port);
      ManagedChannel ch = channel(port);
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
        ByteString zero = ByteString.copyFrom(new byte[] {0});
        Map<String, String> stored = new java.util.HashMap<>();
        kv.range(RangeRequest.newBuilder().setKey(zero).setRangeEnd(zero).build()).getKvsList()
            .forEach(kv1 -> stored.put(kv1.getKey().toStringUtf8(), kv1.getValue().toStringUtf8()));
        assertThat(stored).containsAllEntriesOf(writers.acknowledged);
        report.publishEntry("restart", writers.acknowledged.size() + " acknowledged puts by 8 writers across a restart, "
            + stored.size() + " stored, lost: 0");
      } finally {
        ch.shutdownNow();
      }
    }
  }
}
