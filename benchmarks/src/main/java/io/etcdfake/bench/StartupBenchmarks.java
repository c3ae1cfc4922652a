package io.etcdfake.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcdfake.server.EtcdFakeServer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** What a test pays per server: start → first put through a new jetcd client, and reset(). Warm JVM. */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class StartupBenchmarks {
  static final ByteSequence KEY = ByteSequence.from("k", UTF_8);
  static final ByteSequence VALUE = ByteSequence.from("v", UTF_8);

  EtcdFakeServer server;
  Client client;

  /** A fresh server and client each time; closing them is outside the timing. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  public long startToFirstPut() throws Exception {
    server = EtcdFakeServer.builder().build().start();
    client = Client.builder().endpoints(server.clientEndpoints()).build();
    return client.getKVClient().put(KEY, VALUE).get(30, TimeUnit.SECONDS).getHeader().getRevision();
  }

  @TearDown(Level.Invocation)
  public void close() {
    if (client != null) {
      client.close();
      client = null;
    }
    if (server != null) {
      server.close();
      server = null;
    }
  }

  /** A running server with 1,000 keys, reset and refilled by one put through the client. */
  @State(Scope.Thread)
  public static class Running {
    EtcdFakeServer server;
    Client client;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      server = EtcdFakeServer.builder().build().start();
      client = Client.builder().endpoints(server.clientEndpoints()).build();
    }

    @Setup(Level.Invocation)
    public void fill() {
      for (int i = 0; i < 1000; i++) {
        server.store().put(io.etcdfake.server.mvcc.Op.Put.of(
            com.google.protobuf.ByteString.copyFromUtf8("key" + i), com.google.protobuf.ByteString.copyFromUtf8("v")), 0);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      client.close();
      server.close();
    }
  }

  /** reset() of a server holding 1,000 keys, then the next test's first put. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  public long resetThenPut(Running r) throws Exception {
    r.server.reset();
    return r.client.getKVClient().put(KEY, VALUE).get(30, TimeUnit.SECONDS).getHeader().getRevision();
  }
}
