package io.etcdfake.server.grpc;

import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.RequestOp;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;

/**
 * Counts the requests etcd sends through raft (writes, compactions, lease grants and revokes,
 * alarms, membership and auth changes), so that Status reports a raft index that moves as a real
 * etcd's does. Reads, watches and keep-alives are served without raft and are not counted; nor
 * are refused requests.
 */
public final class RaftEntries implements ServerInterceptor {
  private static final Set<String> THROUGH_RAFT = Set.of(
      "etcdserverpb.KV/Put", "etcdserverpb.KV/DeleteRange", "etcdserverpb.KV/Txn", "etcdserverpb.KV/Compact",
      "etcdserverpb.Lease/LeaseGrant", "etcdserverpb.Lease/LeaseRevoke", "etcdserverpb.Maintenance/Alarm",
      "etcdserverpb.Cluster/MemberAdd", "etcdserverpb.Cluster/MemberRemove", "etcdserverpb.Cluster/MemberUpdate",
      "etcdserverpb.Cluster/MemberPromote");

  private final Runnable applied;

  public RaftEntries(Runnable applied) {
    this.applied = applied;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (!THROUGH_RAFT.contains(method) && !method.startsWith("etcdserverpb.Auth/")) {
      return next.startCall(call, headers);
    }
    boolean[] readOnly = {false};
    ServerCall<Q, A> counting = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        if (status.isOk() && !readOnly[0]) {
          applied.run();
        }
        super.close(status, trailers);
      }
    };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(counting, headers)) {
      @Override
      public void onMessage(Q message) {
        // a txn of reads only is served like a range, without raft
        if (message instanceof TxnRequest txn) {
          readOnly[0] = readsOnly(txn);
        }
        super.onMessage(message);
      }
    };
  }

  private static boolean readsOnly(TxnRequest txn) {
    for (java.util.List<RequestOp> ops : java.util.List.of(txn.getSuccessList(), txn.getFailureList())) {
      for (RequestOp op : ops) {
        boolean reads = op.hasRequestRange() || (op.hasRequestTxn() && readsOnly(op.getRequestTxn()));
        if (!reads) {
          return false;
        }
      }
    }
    return true;
  }
}
