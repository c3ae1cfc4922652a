package io.etcdfake.server.grpc;

import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.etcd.jetcd.api.lock.UnlockResponse;
import io.etcdfake.server.auth.AuthStore;
import io.etcdfake.server.lock.Locks;
import io.grpc.stub.StreamObserver;

/**
 * etcd's Lock service (v3lockpb) over {@link Locks}. A waiting Lock call holds no thread: it is
 * answered when the lock's watch sees the keys ahead of it go, or ends when the call is cancelled.
 */
public final class LockService extends LockGrpc.LockImplBase {
  private final Locks locks;
  private final Headers headers;
  private final AuthStore auth;

  public LockService(Locks locks, Headers headers, AuthStore auth) {
    this.locks = locks;
    this.headers = headers;
    this.auth = auth;
  }

  @Override
  public void lock(LockRequest request, StreamObserver<LockResponse> responses) {
    Calls.unaryLater(responses, locks.lock(request.getName(), request.getLease(), RecipeCalls.authChecks(auth),
        RecipeCalls.abandonment()).thenApply(held ->
            LockResponse.newBuilder().setHeader(headers.of(held.revision())).setKey(held.key()).build()));
  }

  @Override
  public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> responses) {
    Calls.unary(responses, () -> UnlockResponse.newBuilder()
        .setHeader(headers.of(locks.unlock(request.getKey(), RecipeCalls.authChecks(auth))))
        .build());
  }
}
