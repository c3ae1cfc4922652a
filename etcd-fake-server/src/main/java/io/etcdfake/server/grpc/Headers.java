package io.etcdfake.server.grpc;

import io.etcd.jetcd.api.ResponseHeader;
import io.etcdfake.server.MemberIdentity;

/** Builds response headers: the full header of a top-level response, and the bare one of a sub-response. */
public final class Headers {
  private final MemberIdentity identity;

  public Headers(MemberIdentity identity) {
    this.identity = identity;
  }

  /** The last header built: a watch fan-out sends the same revision's header to every watcher. */
  private volatile ResponseHeader last = ResponseHeader.getDefaultInstance();

  public ResponseHeader of(long revision) {
    ResponseHeader h = last;
    if (h.getRevision() == revision && h.getMemberId() == identity.memberId()) {
      return h;
    }
    h = build(revision);
    last = h;
    return h;
  }

  private ResponseHeader build(long revision) {
    return ResponseHeader.newBuilder()
        .setClusterId(identity.clusterId())
        .setMemberId(identity.memberId())
        .setRevision(revision)
        .setRaftTerm(identity.raftTerm())
        .build();
  }

  /** Inside a txn etcd sets only the revision (0 for a nested txn's header). */
  static ResponseHeader revisionOnly(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }
}
