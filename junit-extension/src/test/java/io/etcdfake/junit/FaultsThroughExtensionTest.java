package io.etcdfake.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcdfake.server.EtcdFakeServer;
import io.grpc.Status;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Test powers reached from a test: faults and restarts through the extension (skipped on a real etcd). */
class FaultsThroughExtensionTest {
  @RegisterExtension
  static EtcdFakeExtension etcd = EtcdFakeExtension.builder().build();

  @Test
  void aFailedPutIsSeenByTheClientAndNothingIsWritten() throws Exception {
    etcd.server().faults().failNext("KV/Put", 1, Status.UNAVAILABLE.withDescription("etcdserver: leader changed"));
    Assertions.assertThatThrownBy(() -> Kv.put(etcd.client(), "k", "v"))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("UNAVAILABLE")
        .hasMessageContaining("etcdserver: leader changed");
    EtcdAssertions.assertThat(etcd.server()).hasNoKeys();
    Kv.put(etcd.client(), "k", "v");
    EtcdAssertions.assertThat(etcd.server()).hasKey("k").withValue("v");
  }

  @Test
  void faultsDoNotLeakIntoTheNextTestWhenTheyAreCleared() throws Exception {
    etcd.server().faults().clear();
    assertThat(Kv.put(etcd.client(), "k", "v")).isEqualTo(2);
  }

  @Test
  void restartKeepsTheDataForTheSameClient(EtcdFakeServer server, Client client) throws Exception {
    Kv.put(client, "k", "v");
    server.restart(true);
    String value = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (value == null) {
      try {
        value = Kv.get(client, "k");
      } catch (ExecutionException e) {
        // the first call after a restart may race the client's reconnect
        if (Status.fromThrowable(e.getCause()).getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
    assertThat(value).isEqualTo("v");
  }
}
