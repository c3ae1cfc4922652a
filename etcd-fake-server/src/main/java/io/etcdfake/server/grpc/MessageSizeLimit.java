package io.etcdfake.server.grpc;

import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * etcd's gRPC receive limit (max request bytes + 512 KiB), refused with the words of etcd's own gRPC
 * library rather than grpc-java's, so clients see the same status. The transport's own limit is
 * set higher and only guards memory.
 */
public final class MessageSizeLimit implements ServerInterceptor {
  /** grpcOverheadBytes in etcd's server: room for the gRPC framing around a maximal request. */
  public static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

  private final int maxBytes;

  public MessageSizeLimit(int maxRequestBytes) {
    this.maxBytes = maxRequestBytes + GRPC_OVERHEAD_BYTES;
  }

  public int maxBytes() {
    return maxBytes;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return Calls.checkingEachRequest(call, delegate, message -> {
      // a txn cut by NestingLimit is judged by the size it came with
      int size = message instanceof Message m ? NestingLimit.wireSize(m)
          : message instanceof MessageLite m ? m.getSerializedSize() : 0;
      if (size > maxBytes) {
        throw Status.RESOURCE_EXHAUSTED.withDescription(
            "grpc: received message larger than max (" + size + " vs. " + maxBytes + ")").asRuntimeException();
      }
    });
  }
}
