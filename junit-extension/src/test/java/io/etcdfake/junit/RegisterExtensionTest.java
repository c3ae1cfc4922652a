package io.etcdfake.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The programmatic forms: a static field is one etcd per class, an instance field one per test. */
class RegisterExtensionTest {

  @Nested
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  class StaticFieldKeepingState {
    // (a static field in a @Nested class needs Java 16+, which the build has)
    @RegisterExtension
    static EtcdFakeExtension etcd = EtcdFakeExtension.builder().resetBetweenTests(false).build();

    @Test
    @Order(1)
    void writes() throws Exception {
      Kv.put(etcd.client(), "kept", "1");
    }

    @Test
    @Order(2)
    void seesWhatTheEarlierTestWrote(Client injected, List<URI> endpoints) throws Exception {
      assertThat(Kv.get(etcd.client(), "kept")).isEqualTo("1");
      assertThat(injected).isSameAs(etcd.client());
      assertThat(endpoints).isEqualTo(etcd.clientEndpoints());
    }

    @Test
    @Order(3)
    void resetOnDemand() throws Exception {
      etcd.reset();
      assertThat(Kv.get(etcd.client(), "kept")).isNull();
    }
  }

  @Nested
  class InstanceField {
    @RegisterExtension
    EtcdFakeExtension etcd = EtcdFakeExtension.builder().seed("greeting", "hello").build();

    @Test
    void startsForThisTestWithTheSeed(Client injected) throws Exception {
      assertThat(injected).isSameAs(etcd.client());
      assertThat(Kv.get(etcd.client(), "greeting")).isEqualTo("hello");
      Kv.put(etcd.client(), "mine", "1");
    }

    @Test
    void anotherTestStartsClean() throws Exception {
      assertThat(Kv.get(etcd.client(), "mine")).isNull();
      assertThat(Kv.get(etcd.client(), "greeting")).isEqualTo("hello");
    }
  }
}
