package io.etcdfake.server.errors;

/**
 * The gRPC status codes etcd answers with, named as in {@code io.grpc.Status.Code} so the gRPC layer
 * maps them by name. Kept here so that the core packages need no gRPC on their class path.
 */
public enum StatusCode {
  UNKNOWN,
  INVALID_ARGUMENT,
  NOT_FOUND,
  ALREADY_EXISTS,
  PERMISSION_DENIED,
  RESOURCE_EXHAUSTED,
  FAILED_PRECONDITION,
  OUT_OF_RANGE,
  UNAVAILABLE,
  UNAUTHENTICATED
}
