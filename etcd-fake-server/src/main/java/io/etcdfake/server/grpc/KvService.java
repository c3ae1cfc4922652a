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
import io.etcdfake.server.mvcc.MvccStore;
import io.etcdfake.server.mvcc.Result;
import io.grpc.stub.StreamObserver;

/** etcd's KV service over the store. */
public final class KvService extends KVGrpc.KVImplBase {
  private final MvccStore store;
  private final Headers headers;
  /** etcd's request ids, and so the size of its raft entries, depend on the member id */
  private final long memberId;

  public KvService(MvccStore store, Headers headers) {
    this.store = store;
    this.headers = headers;
    this.memberId = headers.of(0).getMemberId();
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> responses) {
    Calls.unary(responses, () -> {
      Result.Range r = store.range(KvProtos.toOp(request));
      return KvProtos.toProto(r, headers.of(r.revision()));
    });
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> responses) {
    Calls.unary(responses, () -> {
      Result.Put r = store.put(KvProtos.toOp(request), entryBytes(KvProtos.RAFT_PUT, request.getSerializedSize()));
      return KvProtos.toProto(r, headers.of(r.revision()));
    });
  }

  @Override
  public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> responses) {
    Calls.unary(responses, () -> {
      Result.DeleteRange r = store.deleteRange(KvProtos.toOp(request), entryBytes(KvProtos.RAFT_DELETE_RANGE, request.getSerializedSize()));
      return KvProtos.toProto(r, headers.of(r.revision()));
    });
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> responses) {
    Calls.unary(responses, () -> {
      Result.Txn r = store.txn(KvProtos.toOp(request), entryBytes(KvProtos.RAFT_TXN, request.getSerializedSize()));
      return KvProtos.toProto(r, headers.of(r.revision()));
    });
  }

  @Override
  public void compact(CompactionRequest request, StreamObserver<CompactionResponse> responses) {
    Calls.unary(responses, () -> CompactionResponse.newBuilder()
        .setHeader(headers.of(store.compact(request.getRevision())))
        .build());
  }

  private int entryBytes(int field, int requestBytes) {
    return KvProtos.raftEntryBytes(field, requestBytes, memberId);
  }
}
