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
  // auth (etcd's rpctypes): users, roles, tokens and permission checks
  ROOT_USER_NOT_EXIST(StatusCode.FAILED_PRECONDITION, "etcdserver: root user does not exist"),
  ROOT_ROLE_NOT_EXIST(StatusCode.FAILED_PRECONDITION, "etcdserver: root user does not have root role"),
  USER_ALREADY_EXIST(StatusCode.FAILED_PRECONDITION, "etcdserver: user name already exists"),
  USER_EMPTY(StatusCode.INVALID_ARGUMENT, "etcdserver: user name is empty"),
  USER_NOT_FOUND(StatusCode.FAILED_PRECONDITION, "etcdserver: user name not found"),
  ROLE_ALREADY_EXIST(StatusCode.FAILED_PRECONDITION, "etcdserver: role name already exists"),
  ROLE_NOT_FOUND(StatusCode.FAILED_PRECONDITION, "etcdserver: role name not found"),
  ROLE_EMPTY(StatusCode.INVALID_ARGUMENT, "etcdserver: role name is empty"),
  AUTH_FAILED(StatusCode.INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password"),
  PERMISSION_NOT_GIVEN(StatusCode.INVALID_ARGUMENT, "etcdserver: permission not given"),
  PERMISSION_DENIED(StatusCode.PERMISSION_DENIED, "etcdserver: permission denied"),
  ROLE_NOT_GRANTED(StatusCode.FAILED_PRECONDITION, "etcdserver: role is not granted to the user"),
  PERMISSION_NOT_GRANTED(StatusCode.FAILED_PRECONDITION, "etcdserver: permission is not granted to the role"),
  AUTH_NOT_ENABLED(StatusCode.FAILED_PRECONDITION, "etcdserver: authentication is not enabled"),
  INVALID_AUTH_TOKEN(StatusCode.UNAUTHENTICATED, "etcdserver: invalid auth token"),
  INVALID_AUTH_MGMT(StatusCode.INVALID_ARGUMENT, "etcdserver: invalid auth management"),
  FUTURE_REVISION(StatusCode.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"),
  COMPACTED(StatusCode.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"),
  NO_SPACE(StatusCode.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"),
  // membership and leadership (Cluster and Maintenance services)
  MEMBER_NOT_FOUND(StatusCode.NOT_FOUND, "etcdserver: member not found"),
  MEMBER_BAD_URLS(StatusCode.INVALID_ARGUMENT, "etcdserver: given member URLs are invalid"),
  MEMBER_EXISTS(StatusCode.FAILED_PRECONDITION, "etcdserver: member ID already exist"),
  PEER_URL_EXISTS(StatusCode.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists"),
  // etcd maps this one to a client-side error value, which gRPC sends as UNKNOWN (3.4 and 3.5)
  NOT_ENOUGH_STARTED_MEMBERS(StatusCode.UNKNOWN,
      "etcdserver: re-configuration failed due to not enough started members"),
  MEMBER_NOT_LEARNER(StatusCode.FAILED_PRECONDITION, "etcdserver: can only promote a learner member"),
  LEARNER_NOT_READY(StatusCode.FAILED_PRECONDITION,
      "etcdserver: can only promote a learner member which is in sync with leader"),
  TOO_MANY_LEARNERS(StatusCode.FAILED_PRECONDITION, "etcdserver: too many learner members in cluster"),
  BAD_LEADER_TRANSFEREE(StatusCode.FAILED_PRECONDITION, "etcdserver: bad leader transferee"),
  LEADER_TRANSFER_TIMEOUT(StatusCode.UNAVAILABLE, "etcdserver: request timed out, leader transfer took too long"),
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
