package io.etcdfake.samples.discovery;

import static io.etcdfake.samples.recipes.Bytes.bytes;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.etcdfake.samples.recipes.Session;
import java.util.concurrent.ExecutionException;

/**
 * Registers service instances under {@code /services/<name>/<id>} with a kept-alive lease: a
 * clean shutdown deletes the key at once, a crash lets it expire after the TTL.
 */
public final class ServiceRegistry {
  public static final String ROOT = "/services/";

  private final Client client;

  public ServiceRegistry(Client client) {
    this.client = client;
  }

  /** One registered instance; closing it deregisters. */
  public static final class Registration implements AutoCloseable {
    private final Session session;

    private Registration(Session session) {
      this.session = session;
    }

    /** The process died: no more keep-alives, the key goes when the lease expires. */
    public void crash() {
      session.crash();
    }

    @Override
    public void close() throws InterruptedException, ExecutionException {
      session.close();
    }
  }

  public Registration register(String service, String id, String address, long ttlSeconds)
      throws InterruptedException, ExecutionException {
    Session session = Session.open(client, ttlSeconds);
    client.getKVClient().put(bytes(ROOT + service + "/" + id), bytes(address),
        PutOption.builder().withLeaseId(session.leaseId()).build()).get();
    return new Registration(session);
  }
}
