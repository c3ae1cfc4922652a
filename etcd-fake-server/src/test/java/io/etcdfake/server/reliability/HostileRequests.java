package io.etcdfake.server.reliability;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import com.google.protobuf.Message;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Random;

/**
 * A seeded generator of malformed and hostile KV requests: empty, huge and binary keys, range ends
 * below their key, negative and far-future revisions, extreme limits, unknown compare enums, missing
 * leases, nested and oversized txns, revokes and time-to-live questions of leases that do not exist.
 * Every field is drawn from values etcd treats specially, mixed
 * with ordinary ones so that some requests succeed and change the data the next ones see.
 *
 * <p>Revisions are small relative numbers or far away (2^40), never near Long.MAX_VALUE, so that the
 * differential harness can move them to each side's base. Sort enums stay known: etcd 3.4 did not
 * check them (3.5 does; see the KV differential tests).
 */
public final class HostileRequests {
  private static final String[] KEYS = {"", "a", "b", "c", "k0", "k1", "\0", "\u0001", "\u00ff", "a\0b"};
  private static final long[] REVISIONS = {0, -1, -100, Long.MIN_VALUE, 1, 2, 3, 5, 10, 1L << 40};
  private static final long[] COMPACTIONS = {1, 2, 3, 5, 10, 1L << 40};
  /** Lease ids: none is ever granted here (a granted one's TTL would depend on timing). */
  private static final long[] LEASES = {0, -1, 1, 7, 1000, 1L << 40, Long.MIN_VALUE, Long.MAX_VALUE};
  private static final long[] LIMITS = {0, -1, 1, 2, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 31};

  /** One request, with the gRPC method that takes it. */
  public record Hostile<Q extends Message, A extends Message>(MethodDescriptor<Q, A> method, Q request) {}

  private final Random random;

  public HostileRequests(long seed) {
    this.random = new Random(seed);
  }

  public Hostile<?, ?> next() {
    int kind = random.nextInt(22);
    if (kind == 20) {
      return new Hostile<>(LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(pick(LEASES)).build());
    }
    if (kind == 21) {
      return new Hostile<>(LeaseGrpc.getLeaseTimeToLiveMethod(),
          LeaseTimeToLiveRequest.newBuilder().setID(pick(LEASES)).setKeys(random.nextBoolean()).build());
    }
    if (kind < 6) {
      return new Hostile<>(KVGrpc.getRangeMethod(), range().build());
    }
    if (kind < 11) {
      return new Hostile<>(KVGrpc.getPutMethod(), put(true).build());
    }
    if (kind < 13) {
      return new Hostile<>(KVGrpc.getDeleteRangeMethod(), delete().build());
    }
    if (kind < 19) {
      return new Hostile<>(KVGrpc.getTxnMethod(), txn(0).build());
    }
    return new Hostile<>(KVGrpc.getCompactMethod(),
        // not 0 or below: on a used etcd that means something else than on a fresh one
        CompactionRequest.newBuilder().setRevision(pick(COMPACTIONS)).setPhysical(random.nextBoolean()).build());
  }

  private long pick(long[] from) {
    return from[random.nextInt(from.length)];
  }

  private ByteString key() {
    int r = random.nextInt(40);
    if (r == 0) {
      return ByteString.copyFrom(new byte[10_000 + random.nextInt(10_000)]);
    }
    if (r == 1) {
      byte[] b = new byte[1 + random.nextInt(8)];
      random.nextBytes(b);
      return ByteString.copyFrom(b);
    }
    return ByteString.copyFromUtf8(KEYS[random.nextInt(KEYS.length)]);
  }

  /** No end, "\0" (to the last key), a key (possibly below the start), or prefix-like. */
  private ByteString rangeEnd(ByteString key) {
    return switch (random.nextInt(5)) {
      case 0, 1 -> ByteString.EMPTY;
      case 2 -> ByteString.copyFrom(new byte[] {0});
      case 3 -> key();
      default -> key.concat(ByteString.copyFrom(new byte[] {(byte) 0xff}));
    };
  }

  /**
   * Huge values only in top-level puts: in a txn several could pass gRPC's limit, whose message
   * quotes the size, and sizes differ between the sides by their revision fields' varints.
   */
  private ByteString value(boolean mayBeHuge) {
    int r = random.nextInt(30);
    if (r == 0 && mayBeHuge) {
      // over etcd's request limit
      return ByteString.copyFrom(new byte[1_600_000]);
    }
    if (r == 1) {
      return ByteString.EMPTY;
    }
    return ByteString.copyFromUtf8("v" + random.nextInt(100));
  }

  RangeRequest.Builder range() {
    ByteString key = key();
    RangeRequest.Builder r = RangeRequest.newBuilder().setKey(key).setRangeEnd(rangeEnd(key));
    if (random.nextInt(3) == 0) {
      r.setRevision(pick(REVISIONS));
    }
    if (random.nextInt(3) == 0) {
      r.setLimit(pick(LIMITS));
    }
    if (random.nextInt(4) == 0) {
      r.setSortOrderValue(random.nextInt(3)).setSortTargetValue(random.nextInt(5));
    }
    if (random.nextInt(5) == 0) {
      r.setMinModRevision(pick(REVISIONS)).setMaxCreateRevision(pick(REVISIONS));
    }
    return r.setKeysOnly(random.nextInt(5) == 0).setCountOnly(random.nextInt(5) == 0)
        .setSerializable(random.nextBoolean());
  }

  PutRequest.Builder put(boolean mayBeHuge) {
    PutRequest.Builder p = PutRequest.newBuilder().setKey(key()).setValue(value(mayBeHuge)).setPrevKv(random.nextBoolean());
    int r = random.nextInt(10);
    if (r == 0) {
      p.setLease(random.nextBoolean() ? 1 + random.nextInt(1000) : pick(LEASES));
    } else if (r == 1) {
      p.setIgnoreValue(true);
    } else if (r == 2) {
      p.setIgnoreLease(true);
    }
    return p;
  }

  DeleteRangeRequest.Builder delete() {
    ByteString key = key();
    return DeleteRangeRequest.newBuilder().setKey(key).setRangeEnd(rangeEnd(key)).setPrevKv(random.nextBoolean());
  }

  private Compare.Builder compare() {
    ByteString key = key();
    Compare.Builder c = Compare.newBuilder().setKey(key);
    if (random.nextInt(6) == 0) {
      c.setRangeEnd(rangeEnd(key));
    }
    c.setResultValue(random.nextInt(12) == 0 ? 9 : random.nextInt(4));
    switch (random.nextInt(6)) {
      case 0 -> c.setTarget(Compare.CompareTarget.VERSION).setVersion(pick(REVISIONS));
      case 1 -> c.setTarget(Compare.CompareTarget.CREATE).setCreateRevision(pick(REVISIONS));
      case 2 -> c.setTarget(Compare.CompareTarget.MOD).setModRevision(pick(REVISIONS));
      case 3 -> c.setTarget(Compare.CompareTarget.VALUE).setValue(value(false));
      // a target number jetcd's proto does not know, and a mismatched operand
      case 4 -> c.setTargetValue(random.nextBoolean() ? 4 : 77).setVersion(1);
      default -> c.setTarget(Compare.CompareTarget.VALUE).setVersion(2);
    }
    return c;
  }

  TxnRequest.Builder txn(int depth) {
    TxnRequest.Builder t = TxnRequest.newBuilder();
    boolean huge = depth == 0 && random.nextInt(25) == 0;
    int compares = huge ? 129 : random.nextInt(3);
    for (int i = 0; i < compares; i++) {
      t.addCompare(compare());
    }
    int success = huge ? 0 : random.nextInt(4);
    for (int i = 0; i < success; i++) {
      t.addSuccess(op(depth));
    }
    int failure = random.nextInt(3);
    for (int i = 0; i < failure; i++) {
      t.addFailure(op(depth));
    }
    return t;
  }

  private RequestOp op(int depth) {
    return switch (random.nextInt(depth < 3 ? 9 : 8)) {
      case 0, 1, 2 -> RequestOp.newBuilder().setRequestRange(range()).build();
      case 3, 4, 5 -> RequestOp.newBuilder().setRequestPut(put(false)).build();
      case 6 -> RequestOp.newBuilder().setRequestDeleteRange(delete()).build();
      case 7 -> RequestOp.getDefaultInstance();
      default -> RequestOp.newBuilder().setRequestTxn(txn(depth + 1)).build();
    };
  }

  /**
   * The wire bytes of a txn whose success branch holds a txn, {@code depth} times, the innermost
   * putting "deep" = {@code value}. Built from the inside out as length prefixes: protobuf-java cannot
   * write (or build) a message thousands of levels deep without overflowing the stack.
   */
  public static byte[] nestedTxn(int depth, String value) {
    byte[] put = RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("deep")).setValue(ByteString.copyFromUtf8(value))).build().toByteArray();
    byte[][] prefixes = new byte[2 * depth + 1][];
    int length = put.length;
    for (int i = 0; i <= 2 * depth; i++) {
      // even: a TxnRequest's success (2) around the RequestOp; odd: a RequestOp's request_txn (4)
      prefixes[i] = lengthPrefix(i % 2 == 0 ? 2 : 4, length);
      length += prefixes[i].length;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(length);
    for (int i = 2 * depth; i >= 0; i--) {
      out.writeBytes(prefixes[i]);
    }
    out.writeBytes(put);
    return out.toByteArray();
  }

  /** The tag and length of a length-delimited field whose content follows. */
  public static byte[] lengthPrefix(int field, int length) {
    byte[] b = new byte[CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(length)];
    CodedOutputStream c = CodedOutputStream.newInstance(b);
    try {
      c.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      c.writeUInt32NoTag(length);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b;
  }

  public static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** The method with requests sent as the given wire bytes, and answers read by {@code answers}. */
  public static <A> MethodDescriptor<byte[], A> asBytes(MethodDescriptor<?, ?> method,
      MethodDescriptor.Marshaller<A> answers) {
    return method.toBuilder(BYTES, answers).build();
  }

  /** Wire bytes as they are, both ways. */
  public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
}
