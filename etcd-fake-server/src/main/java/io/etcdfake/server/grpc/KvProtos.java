package io.etcdfake.server.grpc;

import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcdfake.server.mvcc.Comparison;
import io.etcdfake.server.mvcc.KeyValue;
import io.etcdfake.server.mvcc.Op;
import io.etcdfake.server.mvcc.Result;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Conversions between etcd's KV messages and the store's requests and results. */
public final class KvProtos {
  private static final int LEASE_TARGET = 4;
  private static final int LEASE_FIELD = 8;

  private KvProtos() {}

  public static io.etcd.jetcd.api.KeyValue toProto(KeyValue kv) {
    return io.etcd.jetcd.api.KeyValue.newBuilder()
        .setKey(kv.key())
        .setCreateRevision(kv.createRevision())
        .setModRevision(kv.modRevision())
        .setVersion(kv.version())
        .setValue(kv.value())
        .setLease(kv.lease())
        .build();
  }

  public static Op.Range toOp(RangeRequest r) {
    return new Op.Range(r.getKey(), r.getRangeEnd(), r.getLimit(), r.getRevision(), r.getSortOrderValue(),
        r.getSortTargetValue(), r.getSerializable(), r.getKeysOnly(), r.getCountOnly(), r.getMinModRevision(),
        r.getMaxModRevision(), r.getMinCreateRevision(), r.getMaxCreateRevision());
  }

  public static Op.Put toOp(PutRequest p) {
    return new Op.Put(p.getKey(), p.getValue(), p.getLease(), p.getPrevKv(), p.getIgnoreValue(), p.getIgnoreLease());
  }

  public static Op.DeleteRange toOp(DeleteRangeRequest d) {
    return new Op.DeleteRange(d.getKey(), d.getRangeEnd(), d.getPrevKv());
  }

  public static Op.Txn toOp(TxnRequest t) {
    List<Comparison> compares = new ArrayList<>(t.getCompareCount());
    for (Compare c : t.getCompareList()) {
      compares.add(toComparison(c));
    }
    return new Op.Txn(compares, toOps(t.getSuccessList()), toOps(t.getFailureList()));
  }

  private static List<Op> toOps(List<RequestOp> ops) {
    List<Op> out = new ArrayList<>(ops.size());
    for (RequestOp op : ops) {
      out.add(
          switch (op.getRequestCase()) {
            case REQUEST_RANGE -> toOp(op.getRequestRange());
            case REQUEST_PUT -> toOp(op.getRequestPut());
            case REQUEST_DELETE_RANGE -> toOp(op.getRequestDeleteRange());
            case REQUEST_TXN -> toOp(op.getRequestTxn());
            case REQUEST_NOT_SET -> new Op.Empty();
          });
    }
    return out;
  }

  static Comparison toComparison(Compare c) {
    Comparison.Target target =
        switch (c.getTargetValue()) {
          case Compare.CompareTarget.VERSION_VALUE -> Comparison.Target.VERSION;
          case Compare.CompareTarget.CREATE_VALUE -> Comparison.Target.CREATE;
          case Compare.CompareTarget.MOD_VALUE -> Comparison.Target.MOD;
          case Compare.CompareTarget.VALUE_VALUE -> Comparison.Target.VALUE;
          case LEASE_TARGET -> Comparison.Target.LEASE;
          default -> Comparison.Target.UNKNOWN;
        };
    Comparison.Result result =
        switch (c.getResultValue()) {
          case Compare.CompareResult.EQUAL_VALUE -> Comparison.Result.EQUAL;
          case Compare.CompareResult.GREATER_VALUE -> Comparison.Result.GREATER;
          case Compare.CompareResult.LESS_VALUE -> Comparison.Result.LESS;
          case Compare.CompareResult.NOT_EQUAL_VALUE -> Comparison.Result.NOT_EQUAL;
          default -> Comparison.Result.UNKNOWN;
        };
    // etcd reads the operand only from the union member that matches the target; otherwise 0 / empty
    long number =
        switch (target) {
          case VERSION -> c.getTargetUnionCase() == Compare.TargetUnionCase.VERSION ? c.getVersion() : 0;
          case CREATE -> c.getTargetUnionCase() == Compare.TargetUnionCase.CREATE_REVISION ? c.getCreateRevision() : 0;
          case MOD -> c.getTargetUnionCase() == Compare.TargetUnionCase.MOD_REVISION ? c.getModRevision() : 0;
          case LEASE -> leaseOperand(c);
          default -> 0;
        };
    ByteString value = target == Comparison.Target.VALUE && c.getTargetUnionCase() == Compare.TargetUnionCase.VALUE
        ? c.getValue()
        : ByteString.EMPTY;
    return new Comparison(c.getKey(), c.getRangeEnd(), target, result, number, value);
  }

  /**
   * jetcd's copy of rpc.proto predates the LEASE compare (target 4, operand in field 8), so the
   * operand arrives as an unknown field; Go clients and etcdctl send it.
   */
  private static long leaseOperand(Compare c) {
    if (c.getTargetUnionCase() != Compare.TargetUnionCase.TARGETUNION_NOT_SET) {
      return 0;
    }
    List<Long> values = c.getUnknownFields().hasField(LEASE_FIELD)
        ? c.getUnknownFields().getField(LEASE_FIELD).getVarintList()
        : List.of();
    return values.isEmpty() ? 0 : values.get(values.size() - 1);
  }

  /** Field numbers of the writes in etcd's InternalRaftRequest. */
  static final int RAFT_PUT = 4;
  static final int RAFT_DELETE_RANGE = 5;
  static final int RAFT_TXN = 6;
  private static final int RAFT_HEADER = 100;

  /**
   * The size etcd's request limit is checked against: not the request but the raft entry it becomes,
   * an InternalRaftRequest holding it in field {@code field} and a header with a request id. The id's
   * top 16 bits are the member id's low 16 bits above a 40-bit millisecond clock and an 8-bit counter
   * (etcd's idutil), so the entry is 15 to 18 bytes larger than the request, depending on the member.
   */
  static int raftEntryBytes(int field, int requestBytes, long memberId) {
    long requestId = ((memberId & 0xffff) << 48) | ((System.currentTimeMillis() & ((1L << 40) - 1)) << 8);
    int header = CodedOutputStream.computeUInt64Size(1, requestId);
    return CodedOutputStream.computeTagSize(RAFT_HEADER) + CodedOutputStream.computeUInt32SizeNoTag(header) + header
        + CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(requestBytes) + requestBytes;
  }

  public static RangeResponse toProto(Result.Range r, ResponseHeader header) {
    RangeResponse.Builder b = RangeResponse.newBuilder().setHeader(header).setMore(r.more()).setCount(r.count());
    for (KeyValue kv : r.kvs()) {
      b.addKvs(toProto(kv));
    }
    return b.build();
  }

  public static PutResponse toProto(Result.Put r, ResponseHeader header) {
    PutResponse.Builder b = PutResponse.newBuilder().setHeader(header);
    if (r.prevKv() != null) {
      b.setPrevKv(toProto(r.prevKv()));
    }
    return b.build();
  }

  public static DeleteRangeResponse toProto(Result.DeleteRange r, ResponseHeader header) {
    DeleteRangeResponse.Builder b = DeleteRangeResponse.newBuilder().setHeader(header).setDeleted(r.deleted());
    for (KeyValue kv : r.prevKvs()) {
      b.addPrevKvs(toProto(kv));
    }
    return b.build();
  }

  public static TxnResponse toProto(Result.Txn r, ResponseHeader header) {
    TxnResponse.Builder b = TxnResponse.newBuilder().setHeader(header).setSucceeded(r.succeeded());
    for (Result sub : r.responses()) {
      ResponseHeader h = Headers.revisionOnly(sub.revision());
      ResponseOp.Builder op = ResponseOp.newBuilder();
      if (sub instanceof Result.Range range) {
        op.setResponseRange(toProto(range, h));
      } else if (sub instanceof Result.Put put) {
        op.setResponsePut(toProto(put, h));
      } else if (sub instanceof Result.DeleteRange del) {
        op.setResponseDeleteRange(toProto(del, h));
      } else if (sub instanceof Result.Txn txn) {
        op.setResponseTxn(toProto(txn, h));
      }
      b.addResponses(op);
    }
    return b.build();
  }
}
