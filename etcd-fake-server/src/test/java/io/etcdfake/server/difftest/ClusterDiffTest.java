package io.etcdfake.server.difftest;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberAddResponse;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.MemberPromoteRequest;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.MemberUpdateRequest;
import io.etcd.jetcd.api.StatusRequest;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/**
 * Membership changes on a one-member cluster, fake against real. Voting members are never added:
 * a lone real etcd accepts that and then loses its quorum, which would end the reference.
 */
@Differential
class ClusterDiffTest {
  private static final String LEARNER_URL = "http://127.0.0.1:23899";

  private static long memberId(Side side) {
    return side.callRaw(MaintenanceGrpc.getStatusMethod(), StatusRequest.getDefaultInstance()).getHeader().getMemberId();
  }

  /** Sends one request per side, each naming that side's own member, and compares the answers. */
  private static void callWithOwnId(Scenario s, String what, java.util.function.LongFunction<com.google.protobuf.Message> request) {
    com.google.protobuf.Message toFake = request.apply(memberId(s.fake()));
    com.google.protobuf.Message toReal = request.apply(memberId(s.reference()));
    Outcome<?> fake = callAny(s.fake(), toFake);
    Outcome<?> real = callAny(s.reference(), toReal);
    s.requireSame(what, toFake, fake, real);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Outcome<?> callAny(Side side, com.google.protobuf.Message request) {
    io.grpc.MethodDescriptor method = request instanceof MemberRemoveRequest ? ClusterGrpc.getMemberRemoveMethod()
        : request instanceof MemberPromoteRequest ? ClusterGrpc.getMemberPromoteMethod()
        : ClusterGrpc.getMemberUpdateMethod();
    return side.call(method, request);
  }

  @Test
  void memberListHasTheOneStartedMember(Scenario s) {
    for (Side side : new Side[] {s.fake(), s.reference()}) {
      MemberListResponse list = side.callRaw(ClusterGrpc.getMemberListMethod(), MemberListRequest.getDefaultInstance());
      assertThat(list.getHeader().getRevision()).as(side.name()).isZero();
      assertThat(list.getHeader().getMemberId()).as(side.name()).isNotZero();
      assertThat(list.getMembersList()).as(side.name()).singleElement().satisfies(m -> {
        assertThat(m.getID()).isEqualTo(list.getHeader().getMemberId());
        assertThat(m.getName()).isNotEmpty();
        assertThat(m.getPeerURLsList()).hasSize(1);
        assertThat(m.getClientURLsList()).hasSize(1);
        assertThat(m.getIsLearner()).isFalse();
      });
    }
  }

  @Test
  void unknownMembersAreNotFound(Scenario s) {
    s.call(ClusterGrpc.getMemberRemoveMethod(), MemberRemoveRequest.newBuilder().setID(1234).build());
    s.call(ClusterGrpc.getMemberUpdateMethod(),
        MemberUpdateRequest.newBuilder().setID(1234).addPeerURLs("http://127.0.0.1:23898").build());
    s.call(ClusterGrpc.getMemberPromoteMethod(), MemberPromoteRequest.newBuilder().setID(1234).build());
  }

  @Test
  void theOnlyMemberCanNeitherGoNorBePromoted(Scenario s) {
    callWithOwnId(s, "remove self", id -> MemberRemoveRequest.newBuilder().setID(id).build());
    callWithOwnId(s, "promote self", id -> MemberPromoteRequest.newBuilder().setID(id).build());
  }

  @Test
  void badPeerUrlsAreRefused(Scenario s) {
    for (String url : new String[] {"foo", "http://127.0.0.1", "http://127.0.0.1:2380/path", "ftp://127.0.0.1:2380"}) {
      s.call(ClusterGrpc.getMemberAddMethod(), MemberAddRequest.newBuilder().addPeerURLs(url).setIsLearner(true).build());
    }
  }

  @Test
  void aLearnerCanBeAddedOnceNeverPromotedAndRemoved(Scenario s) {
    try {
      MemberAddRequest add = MemberAddRequest.newBuilder().addPeerURLs(LEARNER_URL).setIsLearner(true).build();
      MemberAddResponse fake = s.fake().call(ClusterGrpc.getMemberAddMethod(), add).ok();
      MemberAddResponse real = s.reference().call(ClusterGrpc.getMemberAddMethod(), add).ok();
      for (MemberAddResponse r : new MemberAddResponse[] {fake, real}) {
        assertThat(r.getMember().getIsLearner()).isTrue();
        assertThat(r.getMember().getName()).isEmpty();
        assertThat(r.getMember().getClientURLsList()).isEmpty();
        assertThat(r.getMember().getPeerURLsList()).containsExactly(LEARNER_URL);
        assertThat(r.getMembersList()).hasSize(2);
        assertThat(r.getHeader().getRevision()).isZero();
      }
      // another learner (the same URL again is left out: etcd's answer depends on the clock's second)
      s.call(ClusterGrpc.getMemberAddMethod(),
          MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:23897").setIsLearner(true).build());
      s.requireSame("promote learner", null,
          s.fake().call(ClusterGrpc.getMemberPromoteMethod(), MemberPromoteRequest.newBuilder().setID(fake.getMember().getID()).build()),
          s.reference().call(ClusterGrpc.getMemberPromoteMethod(), MemberPromoteRequest.newBuilder().setID(real.getMember().getID()).build()));
      s.requireSame("move leader to learner", null,
          s.fake().call(MaintenanceGrpc.getMoveLeaderMethod(),
              io.etcd.jetcd.api.MoveLeaderRequest.newBuilder().setTargetID(fake.getMember().getID()).build()),
          s.reference().call(MaintenanceGrpc.getMoveLeaderMethod(),
              io.etcd.jetcd.api.MoveLeaderRequest.newBuilder().setTargetID(real.getMember().getID()).build()));
      assertThat(s.fake().call(ClusterGrpc.getMemberRemoveMethod(),
          MemberRemoveRequest.newBuilder().setID(fake.getMember().getID()).build()).ok().getMembersList()).hasSize(1);
      assertThat(s.reference().call(ClusterGrpc.getMemberRemoveMethod(),
          MemberRemoveRequest.newBuilder().setID(real.getMember().getID()).build()).ok().getMembersList()).hasSize(1);
    } finally {
      removeLearners(s.reference());
    }
  }

  private static void removeLearners(Side side) {
    for (Member m : side.callRaw(ClusterGrpc.getMemberListMethod(), MemberListRequest.getDefaultInstance()).getMembersList()) {
      if (m.getIsLearner()) {
        try {
          side.callRaw(ClusterGrpc.getMemberRemoveMethod(), MemberRemoveRequest.newBuilder().setID(m.getID()).build());
        } catch (StatusRuntimeException e) {
          // gone already
        }
      }
    }
  }
}
