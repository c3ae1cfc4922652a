package io.etcdfake.junit;

import io.etcd.jetcd.api.LeaseGrantResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Notes the leases granted through the extension's client, so that reset can revoke them on a real
 * etcd (jetcd cannot list an etcd's leases; the fake's reset drops them all by itself).
 */
final class LeaseTracker implements ClientInterceptor {
  private final Set<Long> granted = ConcurrentHashMap.newKeySet();

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
    ClientCall<Q, A> call = next.newCall(method, options);
    if (!method.getFullMethodName().equals("etcdserverpb.Lease/LeaseGrant")) {
      return call;
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      public void start(Listener<A> listener, Metadata headers) {
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onMessage(A message) {
            if (message instanceof LeaseGrantResponse r) {
              granted.add(r.getID());
            }
            super.onMessage(message);
          }
        }, headers);
      }
    };
  }

  /** The leases granted since the last call, forgotten now. */
  List<Long> drain() {
    List<Long> out = List.copyOf(granted);
    granted.removeAll(out);
    return out;
  }
}
