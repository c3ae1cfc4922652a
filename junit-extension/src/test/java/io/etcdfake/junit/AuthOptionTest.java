package io.etcdfake.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.etcdfake.server.EtcdFakeServer;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** With auth on, the injected client is root; any other client needs credentials, as on etcd. */
@EtcdFake(authRootPassword = "s3cret")
class AuthOptionTest {

  @Test
  void theInjectedClientIsLoggedInAndResetKeepsRoot(Client client) throws Exception {
    Kv.put(client, "k", "v");
    assertThat(Kv.get(client, "k")).isEqualTo("v");
  }

  @Test
  void aSecondTestStillHasRootAfterTheReset(Client client) throws Exception {
    assertThat(Kv.get(client, "k")).isNull();
    Kv.put(client, "k", "again");
  }

  @Test
  void anotherClientWithoutCredentialsIsRefused(EtcdFakeServer server, List<URI> endpoints) {
    try (Client anonymous = Client.builder().endpoints(endpoints).build()) {
      assertThatThrownBy(() -> Kv.put(anonymous, "k", "v"))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("etcdserver: user name is empty");
    }
  }
}
