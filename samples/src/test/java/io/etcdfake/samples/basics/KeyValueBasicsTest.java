package io.etcdfake.samples.basics;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcdfake.junit.EtcdFake;
import java.util.Map;
import org.junit.jupiter.api.Test;

@EtcdFake
class KeyValueBasicsTest {
  @Test
  void putGetAllDeleteEach(Client client) throws Exception {
    KeyValueBasics basics = new KeyValueBasics(client);

    basics.put("key", "value");
    basics.put("other", "thing");
    assertThat(basics.getAll()).containsExactly(Map.entry("key", "value"), Map.entry("other", "thing"));

    assertThat(basics.deleteEach()).isEqualTo(2);
    assertThat(basics.getAll()).isEmpty();
  }
}
