package io.etcdfake.junit;

import io.etcd.jetcd.Client;
import io.etcdfake.server.EtcdFakeServer;

/**
 * AssertJ entry points for what etcd holds:
 *
 * <pre>{@code
 * EtcdAssertions.assertThat(server).hasKey("a").withValue("b").withVersion(2);
 * EtcdAssertions.assertThat(client).doesNotHaveKey("gone");   // works against a real etcd too
 * }</pre>
 */
public final class EtcdAssertions {
  private EtcdAssertions() {}

  /** Assertions read straight from the fake's store (no request is made, no revision changes). */
  public static EtcdAssert assertThat(EtcdFakeServer server) {
    return new EtcdAssert(KeySource.of(server));
  }

  /** Assertions read through a client with linearizable gets: the fake or a real etcd. */
  public static EtcdAssert assertThat(Client client) {
    return new EtcdAssert(KeySource.of(client));
  }
}
