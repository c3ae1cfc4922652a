package io.etcdfake.server.grpc;

import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.util.ArrayList;
import java.util.List;

/**
 * etcd's Go protobuf parses a txn nested to any depth (its op budget, --max-txn-ops, refuses it
 * later), while protobuf-java gives up at 100 message levels, 50 nested txns. The service's requests
 * are parsed with a higher limit, so that such a txn gets etcd's answer, not a parse failure.
 */
public final class NestingLimit {
  /** Message levels: a nested txn takes two (TxnRequest, RequestOp); 1000 is ample for 128 ops. */
  public static final int MAX_MESSAGE_DEPTH = 1000;

  private NestingLimit() {}

  /** The same service, its requests parsed with {@link #MAX_MESSAGE_DEPTH}. */
  public static ServerServiceDefinition raise(ServerServiceDefinition service) {
    ServiceDescriptor old = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(old.getName())
        .setSchemaDescriptor(old.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      ServerMethodDefinition<?, ?> deep = deep(m);
      descriptor.addMethod(deep.getMethodDescriptor());
      methods.add(deep);
    }
    ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(m -> add(out, m));
    return out.build();
  }

  private static <Q, A> void add(ServerServiceDefinition.Builder out, ServerMethodDefinition<Q, A> m) {
    out.addMethod(m);
  }

  @SuppressWarnings("unchecked")
  private static <Q, A> ServerMethodDefinition<Q, A> deep(ServerMethodDefinition<Q, A> m) {
    MethodDescriptor<Q, A> method = m.getMethodDescriptor();
    if (!(method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<Q> p)
        || !(p.getMessagePrototype() instanceof Message prototype)) {
      return m;
    }
    MethodDescriptor.Marshaller<Q> marshaller =
        (MethodDescriptor.Marshaller<Q>) ProtoUtils.marshallerWithRecursionLimit(prototype, MAX_MESSAGE_DEPTH);
    return ServerMethodDefinition.create(method.toBuilder(marshaller, method.getResponseMarshaller()).build(),
        m.getServerCallHandler());
  }
}
