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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
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
  /** one test at a time where tests run concurrently and reset between them */
  private final Semaphore turn = new Semaphore(1);

  private EtcdSession(EtcdFakeExtension.Settings settings, EtcdFakeServer server, List<URI> endpoints) {
    this.settings = settings;
    this.server = server;
    this.endpoints = endpoints;
    ClientBuilder cb = Client.builder().endpoints(endpoints);
    if (server != null && server.autoTlsAuthority() != null) {
      try {
        cb.sslContext(ssl -> ssl.trustManager(server.autoTlsAuthority().certificate()));
      } catch (SSLException e) {
        throw new IllegalStateException("cannot trust the fake's auto TLS CA: " + e.getMessage(), e);
      }
    }
    if (server != null && settings.authRootPassword() != null) {
      cb.user(EtcdSeed.bytes("root")).password(EtcdSeed.bytes(settings.authRootPassword()));
    }
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

  void takeTurn() {
    turn.acquireUninterruptibly();
  }

  void endTurn() {
    turn.release();
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
