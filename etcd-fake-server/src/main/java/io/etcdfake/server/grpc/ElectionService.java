package io.etcdfake.server.grpc;

import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.CampaignResponse;
import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.LeaderKey;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.ProclaimRequest;
import io.etcd.jetcd.api.ProclaimResponse;
import io.etcd.jetcd.api.ResignRequest;
import io.etcd.jetcd.api.ResignResponse;
import io.etcdfake.server.auth.AuthStore;
import io.etcdfake.server.election.Elections;
import io.etcdfake.server.lock.Recipes;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/** etcd's Election service (v3electionpb) over {@link Elections}. */
public final class ElectionService extends ElectionGrpc.ElectionImplBase {
  private final Elections elections;
  private final Headers headers;
  private final AuthStore auth;

  public ElectionService(Elections elections, Headers headers, AuthStore auth) {
    this.elections = elections;
    this.headers = headers;
    this.auth = auth;
  }

  @Override
  public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> responses) {
    Calls.unaryLater(responses, elections.campaign(request.getName(), request.getLease(), request.getValue(),
        RecipeCalls.authChecks(auth), RecipeCalls.abandonment()).thenApply(c ->
            CampaignResponse.newBuilder().setHeader(headers.of(c.revision())).setLeader(toProto(c.leader())).build()));
  }

  @Override
  public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> responses) {
    Calls.unary(responses, () -> ProclaimResponse.newBuilder()
        .setHeader(headers.of(elections.proclaim(fromProto(request.hasLeader(), request.getLeader()),
            request.getValue(), RecipeCalls.authChecks(auth))))
        .build());
  }

  @Override
  public void resign(ResignRequest request, StreamObserver<ResignResponse> responses) {
    Calls.unary(responses, () -> ResignResponse.newBuilder()
        .setHeader(headers.of(elections.resign(fromProto(request.hasLeader(), request.getLeader()),
            RecipeCalls.authChecks(auth))))
        .build());
  }

  @Override
  public void leader(LeaderRequest request, StreamObserver<LeaderResponse> responses) {
    Calls.unary(responses, () -> {
      Elections.Leader l = elections.leader(request.getName(), RecipeCalls.authChecks(auth));
      return LeaderResponse.newBuilder().setHeader(headers.of(l.revision())).setKv(KvProtos.toProto(l.kv())).build();
    });
  }

  /**
   * Holds no thread: leaders are sent from the watch that follows them. While the client does not
   * read, changes are held back (the watch falls behind and catches up from history), so a stalled
   * observer costs no memory.
   */
  @Override
  public void observe(LeaderRequest request, StreamObserver<LeaderResponse> responses) {
    ServerCallStreamObserver<LeaderResponse> call = (ServerCallStreamObserver<LeaderResponse>) responses;
    CompletableFuture<Void> abandoned = RecipeCalls.abandonment();
    call.setOnCancelHandler(() -> abandoned.complete(null));
    Elections.Observer observer = new Elections.Observer() {
      @Override
      public void leader(long revision, io.etcdfake.server.mvcc.KeyValue kv) {
        responses.onNext(LeaderResponse.newBuilder().setHeader(headers.of(revision)).setKv(KvProtos.toProto(kv)).build());
      }

      @Override
      public boolean ready() {
        return call.isReady();
      }
    };
    elections.observe(request.getName(), RecipeCalls.authChecks(auth), observer, abandoned).whenComplete((v, e) -> {
      if (e != null && !(Recipes.cause(e) instanceof CancellationException)) {
        responses.onError(Calls.toStatus(e)); // cancelled: the client went away, nobody to answer
      }
    });
  }

  private static LeaderKey toProto(Elections.LeaderKey l) {
    return LeaderKey.newBuilder().setName(l.name()).setKey(l.key()).setRev(l.rev()).setLease(l.lease()).build();
  }

  private static Elections.LeaderKey fromProto(boolean present, LeaderKey l) {
    return present ? new Elections.LeaderKey(l.getName(), l.getKey(), l.getRev(), l.getLease()) : null;
  }
}
