package io.etcdfake.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Seeding from maps and files, on the fake and on a real etcd alike. */
class SeedTest {
  @RegisterExtension
  static EtcdFakeExtension etcd = EtcdFakeExtension.builder()
      .seedFrom("etcd-seed.properties")
      .seed(Map.of("service/api", "http://override:1"))
      .build();

  @Test
  void theBuilderSeedIsThereInEveryTestTheMapWinningOverFiles() throws Exception {
    assertThat(Kv.get(etcd.client(), "config/db/url")).isEqualTo("jdbc:h2:mem:test");
    assertThat(Kv.get(etcd.client(), "service/api")).isEqualTo("http://override:1");
    Kv.put(etcd.client(), "config/db/url", "changed");
  }

  @Test
  void andIsWrittenAgainAfterEachReset() throws Exception {
    assertThat(Kv.get(etcd.client(), "config/db/url")).isEqualTo("jdbc:h2:mem:test");
  }

  @Test
  void aSeedIsOneRevisionPer128Keys() throws Exception {
    Client client = etcd.client();
    Map<String, String> many = new LinkedHashMap<>();
    for (int i = 0; i < 130; i++) {
      many.put(String.format("bulk/%03d", i), "v" + i);
    }
    long before = Kv.put(client, "marker", "x");
    etcd.seed(many);
    KeyValue first = Kv.kv(client, "bulk/000");
    KeyValue last127 = Kv.kv(client, "bulk/127");
    KeyValue after = Kv.kv(client, "bulk/128");
    assertThat(first.getModRevision()).isEqualTo(before + 1).isEqualTo(last127.getModRevision());
    assertThat(after.getModRevision()).isEqualTo(before + 2);
    assertThat(Kv.get(client, "bulk/129")).isEqualTo("v129");
  }

  @Test
  void filesAreReadAsJsonOrProperties(@TempDir Path dir) throws Exception {
    Path json = Files.writeString(dir.resolve("s.json"), "{\"a\": {\"b\": \"1\", \"c\": [1, 2]}, \"n\": 1.5, \"é\": \"ü\"}");
    assertThat(EtcdSeed.load(json)).containsExactly(
        Map.entry("a/b", "1"), Map.entry("a/c", "[1,2]"), Map.entry("n", "1.5"), Map.entry("é", "ü"));
    Path props = Files.writeString(dir.resolve("s.properties"), "b=2\na=1\nkey\\ with\\ space=é\n");
    assertThat(EtcdSeed.load(props)).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"), Map.entry("key with space", "é"));
  }

  @Test
  void badSeedsFailWithTheReason(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> EtcdSeed.load("no/such/seed.json", getClass().getClassLoader()))
        .hasMessageContaining("'no/such/seed.json' is neither a file nor a classpath resource");
    Path array = Files.writeString(dir.resolve("a.json"), "[1]");
    assertThatThrownBy(() -> EtcdSeed.load(array)).hasMessageContaining("must be a JSON object");
    Path nul = Files.writeString(dir.resolve("n.json"), "{\"k\": null}");
    assertThatThrownBy(() -> EtcdSeed.load(nul)).hasMessageContaining("value of 'k' is null");
    Path broken = Files.writeString(dir.resolve("b.json"), "{\"k\": ");
    assertThatThrownBy(() -> EtcdSeed.load(broken)).hasMessageContaining("is not valid JSON");
  }
}
