package io.etcdfake.server.grpc;

import io.etcdfake.server.errors.EtcdException;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Runs a unary call against the core and answers it, with etcd's errors turned into gRPC statuses. */
public final class Calls {

  /**
   * A generated service with one more method that jetcd's copy of etcd's protos lacks (declared by
   * hand), so that clients built on newer protos reach it.
   */
  public static ServerServiceDefinition withMethod(ServerServiceDefinition generated, ServerMethodDefinition<?, ?> extra) {
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(generated.getServiceDescriptor().getName())
        .setSchemaDescriptor(generated.getServiceDescriptor().getSchemaDescriptor());
    generated.getMethods().forEach(m -> descriptor.addMethod(m.getMethodDescriptor()));
    descriptor.addMethod(extra.getMethodDescriptor());
    ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
    generated.getMethods().forEach(out::addMethod);
    return out.addMethod(extra).build();
  }

  /**
   * A call listener that runs {@code check} on each request before the service sees it; a check that
   * throws closes the call with etcd's status for it, and the service never hears of the call's end.
   * The shape of every guard that refuses a request up front (auth, quota, message size).
   */
  public static <Q, A> ServerCall.Listener<Q> checkingEachRequest(
      ServerCall<Q, A> call, ServerCall.Listener<Q> service, Consumer<Q> check) {
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(service) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        try {
          check.accept(message);
        } catch (RuntimeException e) {
          refused = true;
          call.close(toStatus(e).getStatus(), new Metadata());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }

  private static final Logger LOG = Logger.getLogger(Calls.class.getName());

  private Calls() {}

  public static <T> void unary(StreamObserver<T> responses, Supplier<T> call) {
    T response;
    try {
      response = call.get();
    } catch (RuntimeException e) {
      responses.onError(toStatus(e));
      return;
    }
    responses.onNext(response);
    responses.onCompleted();
  }

  /**
   * Answers a unary call when {@code answer} completes, from whichever thread completes it: a call
   * that waits (Lock, Campaign) holds no thread meanwhile.
   */
  public static <T> void unaryLater(StreamObserver<T> responses, CompletableFuture<T> answer) {
    answer.whenComplete((response, failure) -> {
      if (failure != null) {
        responses.onError(toStatus(failure));
        return;
      }
      responses.onNext(response);
      responses.onCompleted();
    });
  }

  public static StatusRuntimeException toStatus(Throwable e) {
    if (e instanceof CompletionException && e.getCause() != null) {
      return toStatus(e.getCause()); // failed in a later stage of an answer that waited
    }
    if (e instanceof EtcdException ee) {
      return Status.fromCode(Status.Code.valueOf(ee.code().name())).withDescription(ee.getMessage()).asRuntimeException();
    }
    if (e instanceof java.util.concurrent.CancellationException) {
      // a waiting Lock or Campaign whose call was cancelled: the client is gone
      return Status.CANCELLED.withDescription("context canceled").asRuntimeException();
    }
    if (e instanceof StatusRuntimeException sre) {
      return sre;
    }
    LOG.log(Level.WARNING, "unexpected failure serving a request", e);
    return Status.INTERNAL.withDescription(String.valueOf(e)).withCause(e).asRuntimeException();
  }
}
