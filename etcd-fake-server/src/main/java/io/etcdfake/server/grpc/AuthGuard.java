package io.etcdfake.server.grpc;

import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcdfake.server.auth.AuthStore;
import io.etcdfake.server.errors.EtcdError;
import io.etcdfake.server.errors.EtcdException;
import io.etcdfake.server.errors.StatusCode;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * etcd's auth checks for the Lease, Maintenance and Cluster services, made on each request before
 * the service sees it, so those services need know nothing of auth: root for the admin-only
 * maintenance calls of etcd 3.5's authMaintenanceServer (Defragment, Snapshot, Hash, HashKV; not
 * MoveLeader or Status) and for member changes, write on every key of a
 * lease to revoke it, read on them to list them (3.5.9+), and a valid token wherever etcd looks at
 * one. Install it inside the {@link TokenInterceptor}.
 */
public final class AuthGuard implements ServerInterceptor {
  /** The texts of etcd's auth package errors, by the text of their gRPC form. */
  private static final Map<String, String> AUTH_PACKAGE_TEXT = Map.of(
      EtcdError.USER_EMPTY.message(), "auth: user name is empty",
      EtcdError.USER_NOT_FOUND.message(), "auth: user not found",
      EtcdError.PERMISSION_DENIED.message(), "auth: permission denied",
      EtcdError.INVALID_AUTH_TOKEN.message(), "auth: invalid auth token");

  private final AuthStore auth;
  private final Map<String, BiConsumer<AuthStore, Object>> checks;

  public AuthGuard(AuthStore auth) {
    this.auth = auth;
    BiConsumer<AuthStore, Object> admin = (a, request) -> a.checkAdmin(TokenInterceptor.caller(a));
    // etcd's maintenance server passes the auth package's own errors on unconverted: Unknown, "auth: ..."
    BiConsumer<AuthStore, Object> maintenanceAdmin = asAuthPackageError(admin);
    BiConsumer<AuthStore, Object> tokenOnly = (a, request) -> TokenInterceptor.caller(a);
    this.checks = Map.ofEntries(
        Map.entry(name(MaintenanceGrpc.getDefragmentMethod()), maintenanceAdmin),
        Map.entry(name(MaintenanceGrpc.getSnapshotMethod()), maintenanceAdmin),
        Map.entry(name(MaintenanceGrpc.getHashMethod()), maintenanceAdmin),
        Map.entry(name(MaintenanceGrpc.getHashKVMethod()), maintenanceAdmin),
        Map.entry(name(MaintenanceGrpc.getAlarmMethod()), asAuthPackageError(tokenOnly)),
        Map.entry(name(ClusterGrpc.getMemberAddMethod()), admin),
        Map.entry(name(ClusterGrpc.getMemberRemoveMethod()), admin),
        Map.entry(name(ClusterGrpc.getMemberUpdateMethod()), admin),
        Map.entry(name(ClusterGrpc.getMemberPromoteMethod()), admin),
        Map.entry(name(LeaseGrpc.getLeaseGrantMethod()), tokenOnly),
        Map.entry(name(LeaseGrpc.getLeaseRevokeMethod()), (a, request) ->
            a.checkLeaseKeys(TokenInterceptor.caller(a), ((LeaseRevokeRequest) request).getID())),
        Map.entry(name(LeaseGrpc.getLeaseTimeToLiveMethod()), (a, request) -> {
          LeaseTimeToLiveRequest r = (LeaseTimeToLiveRequest) request;
          if (r.getKeys()) {
            a.checkLeaseKeysReadable(TokenInterceptor.caller(a), r.getID());
          }
        }));
  }

  private static BiConsumer<AuthStore, Object> asAuthPackageError(BiConsumer<AuthStore, Object> check) {
    return (a, request) -> {
      try {
        check.accept(a, request);
      } catch (EtcdException e) {
        throw new EtcdException(StatusCode.UNKNOWN, AUTH_PACKAGE_TEXT.getOrDefault(e.getMessage(), e.getMessage()));
      }
    };
  }

  private static String name(MethodDescriptor<?, ?> m) {
    return m.getFullMethodName();
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    BiConsumer<AuthStore, Object> check = checks.get(call.getMethodDescriptor().getFullMethodName());
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    if (check == null) {
      return delegate;
    }
    return Calls.checkingEachRequest(call, delegate, message -> {
      if (auth.isEnabled()) {
        check.accept(auth, message);
      }
    });
  }
}
