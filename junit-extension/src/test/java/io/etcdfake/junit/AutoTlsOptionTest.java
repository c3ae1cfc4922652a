package io.etcdfake.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcdfake.server.EtcdFakeServer;
import io.grpc.Status;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** With auto TLS the fake serves https and the injected client trusts its CA, across restarts too. */
@EtcdFake(autoTls = true)
class AutoTlsOptionTest {

  @Test
  void theInjectedClientTalksTls(Client client) throws Exception {
    Kv.put(client, "k", "v");
    assertThat(Kv.get(client, "k")).isEqualTo("v");
  }

  @Test
  void endpointsAreHttpsAndARestartKeepsServingTls(EtcdFakeServer server, List<URI> endpoints, Client client)
      throws Exception {
    assertThat(endpoints).allMatch(u -> u.getScheme().equals("https"));
    Kv.put(client, "k", "before");
    server.restart(true);
    String value = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (value == null) {
      try {
        value = Kv.get(client, "k");
      } catch (ExecutionException e) {
        if (Status.fromThrowable(e.getCause()).getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
    assertThat(value).isEqualTo("before");
  }
}
