package io.etcdfake.server.grpc;

import io.etcdfake.server.errors.EtcdException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Runs a unary call against the core and answers it, with etcd's errors turned into gRPC statuses. */
public final class Calls {
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

  public static StatusRuntimeException toStatus(Throwable e) {
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
