package io.etcdfake.samples.discovery;

import static io.etcdfake.samples.recipes.Bytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcdfake.junit.EtcdFake;
import io.etcdfake.samples.discovery.ServiceRegistry.Registration;
import io.etcdfake.server.EtcdFakeServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

@EtcdFake(manualClock = true)
class ServiceDiscoveryTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void resolverSeesInstancesComeAndGo(Client client) throws Exception {
    ServiceRegistry registry = new ServiceRegistry(client);
    Registration a = registry.register("orders", "a", "10.0.0.1:8080", 30);
    try (ServiceResolver resolver = ServiceResolver.start(client, "orders")) {
      assertThat(resolver.instances()).isEqualTo(Map.of("a", "10.0.0.1:8080"));

      Registration b = registry.register("orders", "b", "10.0.0.2:8080", 30);
      registry.register("billing", "x", "10.0.0.9:9090", 30);   // another service: not seen
      resolver.await(m -> m.size() == 2, WAIT);
      assertThat(resolver.instances()).isEqualTo(Map.of("a", "10.0.0.1:8080", "b", "10.0.0.2:8080"));

      a.close();   // clean shutdown: the lease is revoked and the key goes at once
      assertThat(resolver.await(m -> !m.containsKey("a"), WAIT)).isEqualTo(Map.of("b", "10.0.0.2:8080"));
      b.close();
      assertThat(resolver.await(Map::isEmpty, WAIT)).isEmpty();
    }
  }

  /** Fake only (manual clock): a crashed instance vanishes once its lease's TTL has passed. */
  @Test
  void crashedInstanceDisappearsWhenItsLeaseExpires(Client client, EtcdFakeServer server) throws Exception {
    ServiceRegistry registry = new ServiceRegistry(client);
    registry.register("orders", "healthy", "10.0.0.1:8080", 60);
    Registration crashing = registry.register("orders", "crashing", "10.0.0.2:8080", 10);
    try (ServiceResolver resolver = ServiceResolver.start(client, "orders")) {
      assertThat(resolver.instances()).containsOnlyKeys("healthy", "crashing");

      crashing.crash();
      server.clock().advance(Duration.ofSeconds(9));
      assertThat(client.getKVClient().get(bytes("/services/orders/crashing"))
          .get().getKvs()).hasSize(1);   // within its TTL it is still registered

      server.clock().advance(Duration.ofSeconds(2));
      assertThat(resolver.await(m -> !m.containsKey("crashing"), WAIT)).containsOnlyKeys("healthy");
    }
  }
}
