package io.etcdfake.server.lock;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcdfake.server.EtcdFakeServer;
import io.etcdfake.server.mvcc.KeyRange;
import io.etcdfake.server.mvcc.KeyValue;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A started fake and a jetcd client on it, for the lock and election tests. */
public final class FakeWithClient implements AutoCloseable {
  public static final int WAIT = 30;

  public final EtcdFakeServer server;
  public final Client client;

  public FakeWithClient(EtcdFakeServer.Builder b) throws Exception {
    server = b.build().start();
    client = Client.builder().endpoints(server.clientEndpoints()).build();
  }

  public static ByteSequence bs(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  public long lease(long ttl) throws Exception {
    return client.getLeaseClient().grant(ttl).get(WAIT, TimeUnit.SECONDS).getID();
  }

  public List<KeyValue> keysUnder(String prefix) {
    ByteString p = ByteString.copyFromUtf8(prefix);
    return server.store().snapshot(KeyRange.of(p, Recipes.prefixEnd(p)));
  }

  /** Waits (up to 30 s) until {@code n} keys are under the prefix: the waiters have queued. */
  public void awaitKeys(String prefix, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
    while (keysUnder(prefix).size() != n) {
      assertThat(System.nanoTime()).as("keys under %s never became %d", prefix, n).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Override
  public void close() {
    client.close();
    server.close();
  }
}
