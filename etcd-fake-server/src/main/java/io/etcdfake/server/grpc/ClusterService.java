package io.etcdfake.server.grpc;

import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberAddResponse;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.MemberPromoteRequest;
import io.etcd.jetcd.api.MemberPromoteResponse;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.MemberRemoveResponse;
import io.etcd.jetcd.api.MemberUpdateRequest;
import io.etcd.jetcd.api.MemberUpdateResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcdfake.server.membership.Membership;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.util.List;

/** etcd's Cluster service over {@link Membership}. */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final Membership membership;
  private final Headers headers;

  public ClusterService(Membership membership, Headers headers) {
    this.membership = membership;
    this.headers = headers;
  }

  /** etcd's cluster server fills identity and term, but no revision. */
  private ResponseHeader header() {
    return headers.of(0);
  }

  @Override
  public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> responses) {
    Calls.unary(responses, () -> {
      io.etcdfake.server.membership.Member m = membership.add(request.getPeerURLsList(), request.getIsLearner());
      return MemberAddResponse.newBuilder().setHeader(header()).setMember(toProto(m)).addAllMembers(members()).build();
    });
  }

  @Override
  public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> responses) {
    Calls.unary(responses, () -> {
      membership.remove(request.getID());
      return MemberRemoveResponse.newBuilder().setHeader(header()).addAllMembers(members()).build();
    });
  }

  @Override
  public void memberUpdate(MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> responses) {
    Calls.unary(responses, () -> {
      membership.update(request.getID(), request.getPeerURLsList());
      return MemberUpdateResponse.newBuilder().setHeader(header()).addAllMembers(members()).build();
    });
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> responses) {
    Calls.unary(responses, () -> MemberListResponse.newBuilder().setHeader(header()).addAllMembers(members()).build());
  }

  @Override
  public void memberPromote(MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> responses) {
    Calls.unary(responses, () -> {
      membership.promote(request.getID());
      return MemberPromoteResponse.newBuilder().setHeader(header()).addAllMembers(members()).build();
    });
  }

  private List<Member> members() {
    return membership.list().stream().map(ClusterService::toProto).toList();
  }

  private static Member toProto(io.etcdfake.server.membership.Member m) {
    return Member.newBuilder()
        .setID(m.id())
        .setName(m.name())
        .addAllPeerURLs(m.peerUrls().stream().map(URI::toString).toList())
        .addAllClientURLs(m.clientUrls().stream().map(URI::toString).toList())
        .setIsLearner(m.learner())
        .build();
  }
}
