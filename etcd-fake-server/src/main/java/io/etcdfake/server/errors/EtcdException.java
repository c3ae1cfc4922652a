package io.etcdfake.server.errors;

/**
 * An error answered to the client exactly as etcd answers it: a gRPC code and a message. Thrown by
 * the core; the gRPC layer turns it into a status. Carries no stack trace: it is an answer, not a
 * fault.
 */
public final class EtcdException extends RuntimeException {
  private final StatusCode code;

  public EtcdException(StatusCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public EtcdException(EtcdError error) {
    this(error.code(), error.message());
  }

  public StatusCode code() {
    return code;
  }
}
