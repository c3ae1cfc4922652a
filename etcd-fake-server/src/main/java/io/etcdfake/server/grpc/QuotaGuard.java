package io.etcdfake.server.grpc;

import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcdfake.server.maintenance.Maintenance;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.List;

/**
 * etcd's space quota, checked before a put, a txn or a lease grant is even validated (etcd's
 * quotaKVServer and quotaLeaseServer): a request that would take the database past
 * --quota-backend-bytes raises the NOSPACE alarm and is refused. The cost of each request is etcd's.
 */
public final class QuotaGuard implements ServerInterceptor {
  /** etcd's estimates of what a key's metadata and a lease take in the database. */
  private static final int KV_OVERHEAD = 256;
  private static final int LEASE_OVERHEAD = 64;

  private final Maintenance maintenance;

  public QuotaGuard(Maintenance maintenance) {
    this.maintenance = maintenance;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    boolean guarded = method.equals("etcdserverpb.KV/Put") || method.equals("etcdserverpb.KV/Txn")
        || method.equals("etcdserverpb.Lease/LeaseGrant");
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    if (!guarded) {
      return delegate;
    }
    return Calls.checkingEachRequest(call, delegate, message -> maintenance.checkQuota(cost(message)));
  }

  static long cost(Object request) {
    if (request instanceof PutRequest p) {
      return costOf(p);
    }
    if (request instanceof TxnRequest t) {
      // the dearer branch; etcd counts the puts of the top level only
      return Math.max(costOf(t.getSuccessList()), costOf(t.getFailureList()));
    }
    return LEASE_OVERHEAD;
  }

  private static long costOf(PutRequest p) {
    return KV_OVERHEAD + p.getKey().size() + p.getValue().size();
  }

  private static long costOf(List<RequestOp> ops) {
    long sum = 0;
    for (RequestOp op : ops) {
      if (op.hasRequestPut()) {
        sum += costOf(op.getRequestPut());
      }
    }
    return sum;
  }
}
