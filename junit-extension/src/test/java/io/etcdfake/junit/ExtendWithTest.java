package io.etcdfake.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcdfake.server.EtcdFakeServer;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/** The plain form: one etcd for the class, injected everywhere; runs against a real etcd too. */
@ExtendWith(EtcdFakeExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExtendWithTest {
  private static Client fromBeforeAll;
  private final Client fromConstructor;
  private final List<URI> endpointsFromConstructor;
  private Client fromBeforeEach;

  ExtendWithTest(Client client, List<URI> endpoints) {
    this.fromConstructor = client;
    this.endpointsFromConstructor = endpoints;
  }

  @BeforeAll
  static void beforeAll(Client client) {
    fromBeforeAll = client;
  }

  @BeforeEach
  void beforeEach(Client client) throws Exception {
    fromBeforeEach = client;
    // the store is already reset when @BeforeEach runs, so what is written here is there in the test
    Kv.put(client, "from-before-each", "yes");
  }

  @Test
  @Order(1)
  void oneClientForTheWholeClassInjectedEverywhere(Client client, List<URI> endpoints) throws Exception {
    assertThat(client).isSameAs(fromBeforeAll).isSameAs(fromConstructor).isSameAs(fromBeforeEach);
    assertThat(endpoints).isNotEmpty().isEqualTo(endpointsFromConstructor);
    assertThat(Kv.get(client, "from-before-each")).isEqualTo("yes");
    Kv.put(client, "left-by-test-1", "x");
  }

  @Test
  @Order(2)
  void theStoreIsResetBetweenTests(Client client) throws Exception {
    assertThat(Kv.get(client, "left-by-test-1")).isNull();
    assertThat(Kv.get(client, "from-before-each")).isEqualTo("yes");
  }

  @Test
  @Order(3)
  void theServerIsInjectedWhenTheFakeRuns(EtcdFakeServer server, List<URI> endpoints, Client client) throws Exception {
    // skipped against a real etcd: there is no fake to inject
    assertThat(server.isRunning()).isTrue();
    assertThat(server.clientEndpoints()).isEqualTo(endpoints);
    assertThat(server.store().currentRevision()).isEqualTo(2); // reset to 1, then @BeforeEach's put
  }

  @Nested
  class NestedClasses {
    @Test
    void shareTheOuterClassEtcd(Client client, List<URI> endpoints) throws Exception {
      assertThat(client).isSameAs(fromBeforeAll);
      assertThat(endpoints).isEqualTo(endpointsFromConstructor);
      assertThat(Kv.get(client, "from-before-each")).isEqualTo("yes");
    }
  }
}
