package io.etcdfake.samples.config;

import static io.etcdfake.samples.recipes.Bytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcdfake.junit.EtcdFake;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@EtcdFake
class ConfigCentreTest {
  private static final String PREFIX = "/config/orders/";
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** A thread per task: the common pool may have a single thread on a small machine. */
  private static final Executor THREADS = task -> new Thread(task).start();

  @Test
  void readsAtStartAndReloadsOnChange(Client client) throws Exception {
    client.getKVClient().put(bytes(PREFIX + AppConfig.DB_URL), bytes("jdbc:postgresql://db/orders")).get();
    try (ConfigCentre centre = ConfigCentre.start(client, PREFIX)) {
      assertThat(centre.current()).isEqualTo(new AppConfig("jdbc:postgresql://db/orders", 10, false));

      client.getKVClient().put(bytes(PREFIX + AppConfig.DARK_MODE), bytes("true")).get();
      assertThat(centre.await(AppConfig::darkMode, WAIT).dbUrl()).isEqualTo("jdbc:postgresql://db/orders");

      client.getKVClient().delete(bytes(PREFIX + AppConfig.DB_URL)).get();   // back to the default
      assertThat(centre.await(c -> c.dbUrl().equals("jdbc:h2:mem:default"), WAIT).darkMode()).isTrue();
    }
  }

  @Test
  void compareAndSetRefusesAStaleRevision(Client client) throws Exception {
    try (ConfigCentre centre = ConfigCentre.start(client, PREFIX)) {
      assertThat(centre.compareAndSet(AppConfig.POOL_SIZE, 0, "20")).isTrue();   // created
      assertThat(centre.compareAndSet(AppConfig.POOL_SIZE, 0, "30")).isFalse();  // exists now
      long seen = client.getKVClient().get(bytes(PREFIX + AppConfig.POOL_SIZE)).get().getKvs().get(0).getModRevision();

      client.getKVClient().put(bytes(PREFIX + AppConfig.POOL_SIZE), bytes("25")).get();   // someone else
      assertThat(centre.compareAndSet(AppConfig.POOL_SIZE, seen, "40")).isFalse();
      assertThat(centre.await(c -> c.poolSize() == 25, WAIT).poolSize()).isEqualTo(25);
    }
  }

  @Test
  void concurrentUpdatesLoseNothing(Client client) throws Exception {
    try (ConfigCentre centre = ConfigCentre.start(client, PREFIX)) {
      List<CompletableFuture<Void>> writers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        writers.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < 10; i++) {
            try {
              centre.update(AppConfig.POOL_SIZE, v -> String.valueOf((v == null ? 10 : Integer.parseInt(v)) + 1));
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        }, THREADS));
      }
      CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertThat(centre.await(c -> c.poolSize() == 50, WAIT).poolSize()).isEqualTo(50);
    }
  }
}
