package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.Kv.delete;
import static io.etcdfake.server.difftest.Kv.get;
import static io.etcdfake.server.difftest.Kv.op;
import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Kv.txn;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** etcd's 1.5 MiB request limit (writes only) and gRPC's 2 MiB receive limit (everything). */
@Differential
class KvSizeLimitDiffTest {
  private static final int MAX_REQUEST_BYTES = 1536 * 1024;
  private static final int GRPC_MAX = MAX_REQUEST_BYTES + 512 * 1024;

  /** A put of exactly {@code size} serialized bytes (key "k"; sizes here have a 3-byte value length). */
  private static PutRequest.Builder putOfSize(int size) {
    int value = size - 3 - 1 - 3;
    PutRequest.Builder p = put("k", "").setValue(ByteString.copyFrom(new byte[value]));
    assertThat(p.build().getSerializedSize()).isEqualTo(size);
    return p;
  }

  private static String bigKey(int bytes) {
    return "k".repeat(bytes);
  }

  @Test
  void writesOverTheLimitAreTooLarge(Scenario s) {
    s.put(putOfSize(1_400_000));
    assertThat(s.put(putOfSize(1_600_000)).description()).isEqualTo("etcdserver: request is too large");
    s.put(putOfSize(MAX_REQUEST_BYTES));
    s.delete(delete(bigKey(1_600_000)));
    s.txn(txn().addSuccess(op(put(bigKey(1_600_000), ""))));
    s.txn(txn().addSuccess(op(delete(bigKey(1_600_000)))));
    s.range(get("k").setKeysOnly(true));
  }

  @Test
  void readsAreNotLimitedBelowTheGrpcLimit(Scenario s) {
    s.range(get(bigKey(1_800_000)));
    s.txn(txn().addSuccess(op(get(bigKey(1_800_000)))));
    // a txn with a nested txn goes through raft even if it only reads
    s.txn(txn().addSuccess(op(txn().addSuccess(op(get(bigKey(1_800_000)))))));
  }

  @Test
  void messagesOverTwoMebibytesAreRefusedByGrpc(Scenario s) {
    Outcome<?> o = s.put(putOfSize(GRPC_MAX + 1));
    assertThat(o.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(o.description()).isEqualTo("grpc: received message larger than max (2097153 vs. 2097152)");
    s.put(putOfSize(GRPC_MAX));
    s.range(get(bigKey(GRPC_MAX)));
    s.range(get(bigKey(GRPC_MAX - 4)));
    s.range(get(bigKey(3_000_000)));
  }

  /**
   * etcd measures the raft entry a write becomes, whose request id holds the member id's low 16 bits:
   * each side is probed at its own boundary, 15 to 18 bytes below 1.5 MiB.
   */
  @Test
  void theLimitCountsEtcdsRaftEntry(Scenario s) {
    for (Side side : new Side[] {s.fake(), s.reference()}) {
      long memberId = side.callRaw(KVGrpc.getRangeMethod(), get("k").build()).getHeader().getMemberId();
      long idBits = 48 + (64 - Long.numberOfLeadingZeros(memberId & 0xffff));
      int overhead = 2 + 1 + 1 + (int) ((idBits + 6) / 7) + 1 + 3;
      int largest = MAX_REQUEST_BYTES - overhead;
      assertThat(side.call(KVGrpc.getPutMethod(), putOfSize(largest).build()).isError()).as(side + " at " + largest).isFalse();
      assertThat(side.call(KVGrpc.getPutMethod(), putOfSize(largest + 1).build()).description()).as(side + " at " + (largest + 1))
          .isEqualTo("etcdserver: request is too large");
    }
  }

  @Test
  void rangeRequestOfEveryKeyIsUnaffected(Scenario s) {
    s.put(putOfSize(1_000_000));
    s.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).setKeysOnly(true));
  }
}
