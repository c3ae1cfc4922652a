package io.etcdfake.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A suite written the way jetcd-test's {@code EtcdClusterExtension} is used, with only the type
 * swapped: {@code builder().withNodes(1).build()}, a client built from {@code clientEndpoints()}.
 */
class JetcdTestSwapTest {
  @RegisterExtension
  public static final EtcdFakeExtension cluster = EtcdFakeExtension.builder().withNodes(1).build();

  private static Client client;
  private static KV kv;

  @BeforeAll
  static void setUp() {
    client = Client.builder().endpoints(cluster.clientEndpoints()).build();
    kv = client.getKVClient();
  }

  @AfterAll
  static void tearDown() {
    client.close();
  }

  @Test
  void putAndGet() throws Exception {
    kv.put(Kv.bs("sample_key"), Kv.bs("sample_value")).get(30, TimeUnit.SECONDS);
    GetResponse r = kv.get(Kv.bs("sample_key")).get(30, TimeUnit.SECONDS);
    assertThat(r.getKvs()).singleElement()
        .satisfies(k -> assertThat(k.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("sample_value"));
  }

  @Test
  void restartWithDowntimeKeepsTheData() throws Exception {
    kv.put(Kv.bs("survives"), Kv.bs("yes")).get(30, TimeUnit.SECONDS);
    cluster.restart(100, TimeUnit.MILLISECONDS);
    String value = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (value == null) {
      try {
        value = Kv.get(client, "survives");
      } catch (ExecutionException e) {
        if (Status.fromThrowable(e.getCause()).getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
    assertThat(value).isEqualTo("yes");
    assertThat(cluster.peerEndpoints()).isNotEmpty();
  }

  @Test
  void aClusterOfManyIsRefusedPlainly() {
    assertThatThrownBy(() -> EtcdFakeExtension.builder().withNodes(3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("etcd-fake is a single member");
  }
}
