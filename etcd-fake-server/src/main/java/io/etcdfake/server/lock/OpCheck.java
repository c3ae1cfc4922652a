package io.etcdfake.server.lock;

import io.etcdfake.server.mvcc.Op;

/**
 * A check run before each store request a recipe makes. etcd's Lock and Election services run as
 * clients of the server with the caller's token, so each of their KV requests meets the auth checks
 * a client's own request would; the gRPC layer passes those checks here.
 */
@FunctionalInterface
public interface OpCheck {
  OpCheck NONE = op -> {};

  void check(Op op);
}
