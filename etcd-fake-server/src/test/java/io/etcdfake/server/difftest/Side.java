package io.etcdfake.server.difftest;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.AuthDisableRequest;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthRoleDeleteRequest;
import io.etcd.jetcd.api.AuthRoleListRequest;
import io.etcd.jetcd.api.AuthUserDeleteRequest;
import io.etcd.jetcd.api.AuthUserListRequest;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.StatusRequest;
import io.etcdfake.server.EtcdFakeServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * One server of a differential pair, reached through a raw gRPC channel: the in-process fake, or a
 * real etcd. Each scenario starts with an empty keyspace; {@link #base()} is the revision the side is
 * at then, which relative revision 1 stands for.
 */
public abstract class Side implements AutoCloseable {
  static final long CALL_SECONDS = 10;
  private final String name;
  private final ManagedChannel channel;
  long base = 1;
  /** The auth token sent with each call (metadata "token"), or null; see {@link Scenario#login}. */
  String token;

  private Side(String name, URI endpoint) {
    this.name = name;
    this.channel = ManagedChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort())
        .usePlaintext()
        .maxInboundMessageSize(64 * 1024 * 1024)
        .build();
  }

  public String name() {
    return name;
  }

  /** A channel to this side, for stubs of any etcd service; requests sent on it are not translated. */
  public ManagedChannel channel() {
    return channel;
  }

  /** The absolute revision of relative revision 1 (the empty keyspace at the scenario's start). */
  public long base() {
    return base;
  }

  /** The etcd API version this side implements, e.g. "3.4.23"; the fake answers "3.5". */
  public abstract String version();

  /** Brings the side to an empty keyspace and no leases, and sets {@link #base()}. */
  abstract void reset();

  /** Sends the request, its revisions made absolute; answers with revisions made relative again. */
  <Q extends Message, A extends Message> Outcome<A> call(MethodDescriptor<Q, A> method, Q request) {
    try {
      A response = ClientCalls.blockingUnaryCall(authorized(), method,
          CallOptions.DEFAULT.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS), Revisions.toSide(request, base));
      return Outcome.of(Revisions.toRelative(response, base));
    } catch (StatusRuntimeException e) {
      return Outcome.of(e.getStatus());
    }
  }

  /**
   * Sends a request given as its wire bytes (for messages protobuf-java cannot build or write, such as
   * txns nested thousands deep), as they are; answers with revisions made relative.
   */
  <A extends Message> Outcome<A> callBytes(MethodDescriptor<byte[], A> method, byte[] request) {
    try {
      A response = ClientCalls.blockingUnaryCall(authorized(), method,
          CallOptions.DEFAULT.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS), request);
      return Outcome.of(Revisions.toRelative(response, base));
    } catch (StatusRuntimeException e) {
      return Outcome.of(e.getStatus());
    }
  }

  /** The channel with this side's token attached to every call, when it has one. */
  Channel authorized() {
    return token == null ? channel : withToken(channel, token);
  }

  private static Channel withToken(Channel channel, String token) {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  /**
   * A real etcd keeps auth state across scenarios: turn auth off (as root, whose password scenarios
   * set to {@link Scenario#ROOT_PASSWORD}), then delete every user and role.
   */
  void resetAuth() {
    token = null;
    try {
      String rootToken = callRaw(AuthGrpc.getAuthenticateMethod(), AuthenticateRequest.newBuilder()
          .setName("root").setPassword(Scenario.ROOT_PASSWORD).build()).getToken();
      ClientCalls.blockingUnaryCall(withToken(channel, rootToken), AuthGrpc.getAuthDisableMethod(),
          CallOptions.DEFAULT.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS), AuthDisableRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION) {
        throw new IllegalStateException("cannot turn auth off on " + name
            + "; scenarios must give root the password Scenario.ROOT_PASSWORD", e);
      }
    }
    for (String user : callRaw(AuthGrpc.getUserListMethod(), AuthUserListRequest.getDefaultInstance()).getUsersList()) {
      callRaw(AuthGrpc.getUserDeleteMethod(), AuthUserDeleteRequest.newBuilder().setName(user).build());
    }
    for (String role : callRaw(AuthGrpc.getRoleListMethod(), AuthRoleListRequest.getDefaultInstance()).getRolesList()) {
      callRaw(AuthGrpc.getRoleDeleteMethod(), AuthRoleDeleteRequest.newBuilder().setRole(role).build());
    }
  }

  <Q extends Message, A extends Message> StreamPair.SideStream<Q, A> openStream(MethodDescriptor<Q, A> method) {
    return new StreamPair.SideStream<>(this, method);
  }

  /** Sends as is, no translation: for the harness's own housekeeping. */
  <Q, A> A callRaw(MethodDescriptor<Q, A> method, Q request) {
    return ClientCalls.blockingUnaryCall(channel, method,
        CallOptions.DEFAULT.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS), request);
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }

  @Override
  public String toString() {
    return name;
  }

  static Side fake(EtcdFakeServer server) {
    return new Side("fake", server.clientEndpoints().get(0)) {
      @Override
      public String version() {
        return "3.5";
      }

      @Override
      void reset() {
        server.reset();
        token = null;
        base = 1;
      }
    };
  }

  static Side reference(URI endpoint) {
    return new Side("etcd", endpoint) {
      private String version;

      @Override
      public synchronized String version() {
        if (version == null) {
          version = callRaw(MaintenanceGrpc.getStatusMethod(), StatusRequest.getDefaultInstance()).getVersion();
        }
        return version;
      }

      /**
       * A real etcd cannot go back to revision 1: revoke its leases, then write and delete every key.
       * The write makes sure the new base lies above any revision an earlier scenario compacted, so
       * compacting at relative revision 1 or later always works on both sides.
       */
      @Override
      void reset() {
        resetAuth();
        for (long lease : leases()) {
          try {
            callRaw(LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(lease).build());
          } catch (StatusRuntimeException e) {
            // expired meanwhile
          }
        }
        ByteString all = ByteString.copyFrom(new byte[] {0});
        callRaw(KVGrpc.getPutMethod(), PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("difftest-reset")).build());
        base = callRaw(KVGrpc.getDeleteRangeMethod(), DeleteRangeRequest.newBuilder().setKey(all).setRangeEnd(all).build())
            .getHeader().getRevision();
      }

      /** LeaseLeases is missing from jetcd's copy of the protos: read its answer field by field. */
      private long[] leases() {
        MethodDescriptor<Empty, Empty> leaseLeases = MethodDescriptor.<Empty, Empty>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("etcdserverpb.Lease/LeaseLeases")
            .setRequestMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance()))
            .build();
        UnknownFieldSet answer = callRaw(leaseLeases, Empty.getDefaultInstance()).getUnknownFields();
        if (!answer.hasField(2)) {
          return new long[0];
        }
        return answer.getField(2).getLengthDelimitedList().stream().mapToLong(status -> {
          try {
            return UnknownFieldSet.parseFrom(status).getField(1).getVarintList().get(0);
          } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
          }
        }).toArray();
      }
    };
  }
}
