package io.etcdfake.server.grpc;

import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcdfake.server.auth.AuthStore;
import io.etcdfake.server.auth.Caller;
import io.etcdfake.server.mvcc.MvccStore;
import io.etcdfake.server.mvcc.Op;
import io.etcdfake.server.mvcc.Result;
import io.grpc.stub.StreamObserver;
import java.util.function.BiConsumer;

/** etcd's KV service over the store, each request checked by the auth guard while auth is on. */
public final class KvService extends KVGrpc.KVImplBase {
  private final MvccStore store;
  private final Headers headers;
  private final AuthStore auth;
  /** etcd's request ids, and so the size of its raft entries, depend on the member id */
  private final long memberId;

  public KvService(MvccStore store, Headers headers) {
    this(store, headers, new AuthStore());
  }

  public KvService(MvccStore store, Headers headers, AuthStore auth) {
    this.store = store;
    this.headers = headers;
    this.auth = auth;
    this.memberId = headers.of(0).getMemberId();
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> responses) {
    Calls.unary(responses, () -> {
      Op.Range op = KvProtos.toOp(request);
      authorize(op, 0, (who, r) -> auth.checkRead(who, r.key(), r.rangeEnd()));
      Result.Range r = store.range(op);
      return KvProtos.toProto(r, headers.of(r.revision()));
    });
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> responses) {
    Calls.unary(responses, () -> {
      Op.Put op = KvProtos.toOp(request);
      int bytes = entryBytes(KvProtos.RAFT_PUT, request.getSerializedSize());
      authorize(op, bytes, auth::checkPut);
      Result.Put r = store.put(op, bytes);
      return KvProtos.toProto(r, headers.of(r.revision()));
    });
  }

  @Override
  public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> responses) {
    Calls.unary(responses, () -> {
      Op.DeleteRange op = KvProtos.toOp(request);
      int bytes = entryBytes(KvProtos.RAFT_DELETE_RANGE, request.getSerializedSize());
      authorize(op, bytes, auth::checkDelete);
      Result.DeleteRange r = store.deleteRange(op, bytes);
      return KvProtos.toProto(r, headers.of(r.revision()));
    });
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> responses) {
    Calls.unary(responses, () -> {
      Op.Txn op = KvProtos.toOp(request);
      int bytes = entryBytes(KvProtos.RAFT_TXN, request.getSerializedSize());
      authorize(op, bytes, auth::checkTxn);
      Result.Txn r = store.txn(op, bytes);
      return KvProtos.toProto(r, headers.of(r.revision()));
    });
  }

  @Override
  public void compact(CompactionRequest request, StreamObserver<CompactionResponse> responses) {
    Calls.unary(responses, () -> {
      // etcd 3.5 checks no permission for a compaction, but still refuses a bad token
      TokenInterceptor.caller(auth);
      return CompactionResponse.newBuilder()
          .setHeader(headers.of(store.compact(request.getRevision())))
          .build();
    });
  }

  /**
   * etcd's order while auth is on: the request's own checks, then the token, then the size limit
   * (writes), then the permissions; the store then runs it. With auth off none of this is needed.
   */
  private <O extends Op> void authorize(O op, int requestBytes, BiConsumer<Caller, O> check) {
    if (!auth.isEnabled()) {
      return;
    }
    store.validate(op);
    Caller who = TokenInterceptor.caller(auth);
    store.checkRequestSize(op, requestBytes);
    check.accept(who, op);
  }

  private int entryBytes(int field, int requestBytes) {
    return KvProtos.raftEntryBytes(field, requestBytes, memberId);
  }
}
