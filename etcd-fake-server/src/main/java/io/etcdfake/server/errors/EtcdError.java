package io.etcdfake.server.errors;

/** The errors etcd sends, each with its gRPC code and its exact message text. */
public enum EtcdError {
  KEY_NOT_PROVIDED(StatusCode.INVALID_ARGUMENT, "etcdserver: key is not provided"),
  VALUE_PROVIDED(StatusCode.INVALID_ARGUMENT, "etcdserver: value is provided"),
  LEASE_PROVIDED(StatusCode.INVALID_ARGUMENT, "etcdserver: lease is provided"),
  KEY_NOT_FOUND(StatusCode.INVALID_ARGUMENT, "etcdserver: key not found"),
  TOO_MANY_OPS(StatusCode.INVALID_ARGUMENT, "etcdserver: too many operations in txn request"),
  DUPLICATE_KEY(StatusCode.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"),
  INVALID_SORT_OPTION(StatusCode.INVALID_ARGUMENT, "etcdserver: invalid sort option"),
  REQUEST_TOO_LARGE(StatusCode.INVALID_ARGUMENT, "etcdserver: request is too large"),
  FUTURE_REVISION(StatusCode.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"),
  COMPACTED(StatusCode.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"),
  NO_SPACE(StatusCode.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"),
  LEASE_NOT_FOUND(StatusCode.NOT_FOUND, "etcdserver: requested lease not found"),
  LEASE_EXISTS(StatusCode.FAILED_PRECONDITION, "etcdserver: lease already exists"),
  LEASE_TTL_TOO_LARGE(StatusCode.OUT_OF_RANGE, "etcdserver: too large lease TTL");

  private final StatusCode code;
  private final String message;

  EtcdError(StatusCode code, String message) {
    this.code = code;
    this.message = message;
  }

  public StatusCode code() {
    return code;
  }

  public String message() {
    return message;
  }

  public EtcdException exception() {
    return new EtcdException(code, message);
  }
}
