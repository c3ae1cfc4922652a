package io.etcdfake.samples.recipes;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ExecutionException;

/**
 * A lease kept alive while the process lives, as etcd's {@code concurrency.Session}: keys written
 * with it vanish when the process stops renewing (it crashed) or revokes it (it closed cleanly).
 */
public final class Session implements AutoCloseable {
  private final Client client;
  private final long leaseId;
  private final CloseableClient keepAlive;

  private Session(Client client, long leaseId, CloseableClient keepAlive) {
    this.client = client;
    this.leaseId = leaseId;
    this.keepAlive = keepAlive;
  }

  /** Grants a lease of {@code ttlSeconds} and renews it in the background until closed. */
  public static Session open(Client client, long ttlSeconds) throws InterruptedException, ExecutionException {
    long id = client.getLeaseClient().grant(ttlSeconds).get().getID();
    CloseableClient keepAlive = client.getLeaseClient().keepAlive(id, new StreamObserver<>() {
      @Override public void onNext(LeaseKeepAliveResponse value) {}
      @Override public void onError(Throwable t) {}
      @Override public void onCompleted() {}
    });
    return new Session(client, id, keepAlive);
  }

  public long leaseId() {
    return leaseId;
  }

  /** Stops renewing without revoking, as a process that died: the lease expires after its TTL. */
  public void crash() {
    keepAlive.close();
  }

  /** Stops renewing and revokes the lease, deleting every key attached to it at once. */
  @Override
  public void close() throws InterruptedException, ExecutionException {
    keepAlive.close();
    client.getLeaseClient().revoke(leaseId).get();
  }
}
