package io.etcdfake.junit;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.options.DeleteOption;
import io.etcdfake.server.EtcdFakeServer;
import io.grpc.ClientInterceptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One etcd the tests talk to, with the client the extension hands out: a fake it started and owns,
 * or the real etcd named by {@code etcd.endpoints}. Closed with the JUnit context that holds it.
 */
final class EtcdSession implements ExtensionContext.Store.CloseableResource {
  private static final ByteSequence ALL_KEYS = ByteSequence.from(new byte[] {0});

  private final EtcdFakeExtension.Settings settings;
  private final EtcdFakeServer server;
  private final List<URI> endpoints;
  private final Client client;
  private final LeaseTracker leases = new LeaseTracker();

  private EtcdSession(EtcdFakeExtension.Settings settings, EtcdFakeServer server, List<URI> endpoints) {
    this.settings = settings;
    this.server = server;
    this.endpoints = endpoints;
    ClientBuilder cb = Client.builder().endpoints(endpoints);
    settings.clientCustomizer().accept(cb);
    if (server == null) {
      List<ClientInterceptor> interceptors = new ArrayList<>(cb.interceptors() == null ? List.of() : cb.interceptors());
      interceptors.add(leases);
      cb.interceptors(interceptors);
    }
    this.client = cb.build();
  }

  /** Starts a fake, or connects to the real etcd when one is named; either way empty and seeded. */
  static EtcdSession open(EtcdFakeExtension.Settings settings, ClassLoader loader) {
    List<URI> real = RealEtcd.endpoints();
    EtcdSession session;
    if (real.isEmpty()) {
      EtcdFakeServer.Builder b = EtcdFakeServer.builder();
      settings.serverCustomizer().accept(b);
      EtcdFakeServer server = b.build();
      try {
        server.start();
      } catch (IOException e) {
        server.close();
        throw new UncheckedIOException("etcd-fake could not start: " + e.getMessage(), e);
      }
      session = new EtcdSession(settings, server, server.clientEndpoints());
    } else {
      session = new EtcdSession(settings, null, real);
      // a real etcd holds whatever ran before: start the class from an empty keyspace too
      session.deleteAllKeys();
    }
    session.seed(loader);
    return session;
  }

  boolean isFake() {
    return server != null;
  }

  /** The fake, or null against a real etcd. */
  EtcdFakeServer server() {
    return server;
  }

  List<URI> endpoints() {
    return endpoints;
  }

  Client client() {
    return client;
  }

  EtcdFakeExtension.Settings settings() {
    return settings;
  }

  /**
   * Back to an empty etcd, then the seed: a fresh fake, or on a real etcd every key deleted and the
   * leases granted through this client revoked.
   */
  void reset(ClassLoader loader) {
    if (server != null) {
      server.reset();
    } else {
      deleteAllKeys();
    }
    seed(loader);
  }

  private void seed(ClassLoader loader) {
    if (!settings.seed().isEmpty() || !settings.seedLocations().isEmpty()) {
      EtcdSeed.apply(client, settings.seedData(loader));
    }
  }

  private void deleteAllKeys() {
    try {
      for (long id : leases.drain()) {
        try {
          client.getLeaseClient().revoke(id).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          // revoked or expired already: gone either way
          if (Status.fromThrowable(e.getCause()).getCode() != Status.Code.NOT_FOUND) {
            throw e;
          }
        }
      }
      client.getKVClient()
          .delete(ALL_KEYS, DeleteOption.builder().withRange(ALL_KEYS).build())
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("could not clear the etcd at " + endpoints + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while clearing etcd", e);
    }
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  @Override
  public String toString() {
    return (server != null ? "etcd-fake at " : "real etcd at ") + endpoints;
  }
}
