package io.etcdfake.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.etcdfake.server.EtcdFakeServer;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** @EtcdFake configures without a builder, and works as a meta-annotation. */
@AnnotationTest.OurEtcdTest
class AnnotationTest {

  /** What a team would declare once and put on its test classes. */
  @Target(ElementType.TYPE)
  @Retention(RetentionPolicy.RUNTIME)
  @EtcdFake(seed = {"etcd-seed.properties", "etcd-seed.json"}, maxTxnOps = 2, name = "team-etcd")
  @interface OurEtcdTest {}

  @Test
  void seedFilesAreWrittenInOrderLaterOnesWinning(Client client) throws Exception {
    // the properties file sets the URL first, the JSON file overrides it
    assertThat(Kv.get(client, "config/db/url")).isEqualTo("jdbc:postgresql://db/app");
    assertThat(Kv.get(client, "service/api")).isEqualTo("http://127.0.0.1:8080");
    assertThat(Kv.get(client, "feature/dark-mode")).isEqualTo("true");
    assertThat(Kv.get(client, "feature/limits/rps")).isEqualTo("100");
  }

  @Test
  void serverOptionsComeFromTheAnnotation(EtcdFakeServer server, Client client) {
    assertThat(server.identity().name()).isEqualTo("team-etcd");
    // maxTxnOps = 2: a txn of three puts is refused with etcd's words
    Assertions.assertThatThrownBy(() -> client.getKVClient().txn()
            .Then(Op.put(Kv.bs("x"), Kv.bs("1"), PutOption.DEFAULT), Op.put(Kv.bs("y"), Kv.bs("1"), PutOption.DEFAULT),
                Op.put(Kv.bs("z"), Kv.bs("1"), PutOption.DEFAULT))
            .commit().get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("etcdserver: too many operations in txn request");
  }
}
