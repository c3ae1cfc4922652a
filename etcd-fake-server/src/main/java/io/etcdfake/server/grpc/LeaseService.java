package io.etcdfake.server.grpc;

import com.google.protobuf.Empty;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcdfake.server.lease.Lessor;
import io.etcdfake.server.mvcc.MvccStore;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** etcd's Lease service over the lessor. */
public final class LeaseService extends LeaseGrpc.LeaseImplBase {
  /**
   * LeaseLeases is missing from jetcd's copy of etcd's protos, so it is declared here by hand: an
   * empty request, and a response written field by field (1: header, 2: repeated LeaseStatus{1: ID}).
   */
  public static final MethodDescriptor<Empty, Empty> LEASE_LEASES = MethodDescriptor.<Empty, Empty>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(LeaseGrpc.SERVICE_NAME, "LeaseLeases"))
      .setRequestMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance()))
      .setResponseMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance()))
      .build();

  private final Lessor lessor;
  private final MvccStore store;
  private final Headers headers;

  public LeaseService(Lessor lessor, MvccStore store, Headers headers) {
    this.lessor = lessor;
    this.store = store;
    this.headers = headers;
  }

  /** The service with LeaseLeases added to jetcd's four methods. */
  public ServerServiceDefinition definition() {
    return Calls.withMethod(bindService(), ServerMethodDefinition.create(LEASE_LEASES,
        ServerCalls.asyncUnaryCall((request, responses) -> Calls.unary(responses, this::leases))));
  }


  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> responses) {
    Calls.unary(responses, () -> {
      Lessor.Grant g = lessor.grant(request.getID(), request.getTTL());
      return LeaseGrantResponse.newBuilder()
          .setHeader(headers.of(store.currentRevision()))
          .setID(g.id())
          .setTTL(g.ttl())
          .build();
    });
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> responses) {
    Calls.unary(responses, () -> LeaseRevokeResponse.newBuilder()
        .setHeader(headers.of(lessor.revoke(request.getID())))
        .build());
  }

  /**
   * One response per request, pulled one request at a time: while the client does not read its
   * responses the stream stops reading requests (as etcd's blocking Send does), so a keep-alive
   * flood cannot make the server buffer without bound.
   */
  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> responses) {
    ServerCallStreamObserver<LeaseKeepAliveResponse> call = (ServerCallStreamObserver<LeaseKeepAliveResponse>) responses;
    call.disableAutoRequest();
    boolean[] wantsNext = {false};
    call.setOnReadyHandler(() -> {
      synchronized (responses) {
        if (wantsNext[0] && call.isReady()) {
          wantsNext[0] = false;
          call.request(1);
        }
      }
    });
    call.request(1);
    return new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveRequest request) {
        LeaseKeepAliveResponse response;
        try {
          long ttl = lessor.keepAlive(request.getID());
          response = LeaseKeepAliveResponse.newBuilder()
              .setHeader(headers.of(store.currentRevision()))
              .setID(request.getID())
              .setTTL(ttl)
              .build();
        } catch (RuntimeException e) {
          responses.onError(Calls.toStatus(e));
          return;
        }
        synchronized (responses) {
          responses.onNext(response);
          if (call.isReady()) {
            call.request(1);
          } else {
            wantsNext[0] = true;
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        // the client went away; nothing to clean up
      }

      @Override
      public void onCompleted() {
        synchronized (responses) {
          responses.onCompleted();
        }
      }
    };
  }

  @Override
  public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> responses) {
    Calls.unary(responses, () -> {
      Lessor.TimeToLive t = lessor.timeToLive(request.getID());
      LeaseTimeToLiveResponse.Builder b = LeaseTimeToLiveResponse.newBuilder()
          .setHeader(headers.of(store.currentRevision()))
          .setID(t.id())
          .setTTL(t.ttl())
          .setGrantedTTL(t.grantedTtl());
      if (request.getKeys()) {
        b.addAllKeys(t.keys());
      }
      return b.build();
    });
  }

  private Empty leases() {
    List<Long> ids = lessor.leases();
    UnknownFieldSet.Field.Builder statuses = UnknownFieldSet.Field.newBuilder();
    for (long id : ids) {
      statuses.addLengthDelimited(UnknownFieldSet.newBuilder()
          .addField(1, UnknownFieldSet.Field.newBuilder().addVarint(id).build())
          .build()
          .toByteString());
    }
    UnknownFieldSet.Builder answer = UnknownFieldSet.newBuilder()
        .addField(1, UnknownFieldSet.Field.newBuilder()
            .addLengthDelimited(headers.of(store.currentRevision()).toByteString())
            .build());
    if (!ids.isEmpty()) {
      answer.addField(2, statuses.build());
    }
    return Empty.newBuilder().setUnknownFields(answer.build()).build();
  }
}
