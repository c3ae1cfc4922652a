package io.etcdfake.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The standalone jar that {@code mvn package} builds, run with {@code java -jar} as a user would, on a
 * free loopback port. Integration tests only: failsafe names the jar in {@code standalone.jar}.
 */
final class StandaloneJar implements AutoCloseable {
  static final long WAIT_SECONDS = 30;
  private final Process process;
  private final String endpoint;

  private StandaloneJar(Process process, String endpoint) {
    this.process = process;
    this.endpoint = endpoint;
  }

  /** Starts the jar and waits for its ready line. */
  static StandaloneJar start() throws Exception {
    String jar = System.getProperty("standalone.jar", "");
    assumeTrue(!jar.isEmpty() && Files.isRegularFile(Path.of(jar)),
        "no standalone jar (run as an integration test after mvn package): " + jar);
    String endpoint = "http://127.0.0.1:" + freePort();
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar, "--listen-client-urls", endpoint)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String ready = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }).get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(ready).contains("ready to serve client requests on " + endpoint);
    return new StandaloneJar(p, endpoint);
  }

  /** {@code http://127.0.0.1:PORT} */
  String endpoint() {
    return endpoint;
  }

  /** {@code 127.0.0.1:PORT}, as Go clients take it */
  String hostPort() {
    return endpoint.substring("http://".length());
  }

  /** Whether the server answers etcd's Watch service yet (it is being built): a watch gets created. */
  static boolean servesWatch(String hostPort) throws InterruptedException {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(hostPort).usePlaintext().build();
    try {
      BlockingQueue<Boolean> answer = new LinkedBlockingQueue<>();
      StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
        @Override
        public void onNext(WatchResponse r) {
          answer.add(r.getCreated());
        }

        @Override
        public void onError(Throwable t) {
          answer.add(false);
        }

        @Override
        public void onCompleted() {
          answer.add(false);
        }
      });
      requests.onNext(WatchRequest.newBuilder()
          .setCreateRequest(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("probe"))).build());
      Boolean created = answer.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      requests.onCompleted();
      return Boolean.TRUE.equals(created);
    } finally {
      channel.shutdownNow();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
