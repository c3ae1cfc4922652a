package io.etcdfake.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.WireFormat;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.TxnRequest;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * etcd's Go protobuf parses a txn nested to any depth, up to gRPC's message size limit (a 2 MiB
 * request holds ~262 000 levels); its op budget, --max-txn-ops, then refuses it with "too many
 * operations". protobuf-java gives up at 100 message levels (50 nested txns) and would overflow the
 * stack long before 262 000. So a txn request is parsed as etcd's check would see it: etcd's check
 * walks the txn depth first, and each nested level spends at least one op of the budget, so a txn at
 * level max-txn-ops + 1 is refused before anything in it is looked at. Below that level the request
 * is cut (replaced by an empty txn): the check then answers exactly as etcd's, and the store never sees
 * the cut part.
 */
public final class NestingLimit {
  /**
   * Nested txn levels kept at most, so that protobuf-java's recursive parse stays far from the stack's
   * end; with the default budget (128) only 129 are ever needed. A budget above this is rare; a txn
   * deeper than this is then refused as too large although etcd would run it (docs/reliability.md).
   */
  static final int MAX_TXN_LEVELS = 400;
  /**
   * An unknown field of a cut request holding its size on the wire, so that the gRPC size limit
   * (MessageSizeLimit) still judges the request as it came: the largest field number protobuf allows.
   */
  static final int WIRE_SIZE_FIELD = (1 << 29) - 1;

  private NestingLimit() {}

  /** The KV service with its txn requests parsed as described above, for a store of this op budget. */
  public static ServerServiceDefinition raise(ServerServiceDefinition service, int maxTxnOps) {
    ServiceDescriptor old = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(old.getName())
        .setSchemaDescriptor(old.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      ServerMethodDefinition<?, ?> deep = deep(m, maxTxnOps);
      descriptor.addMethod(deep.getMethodDescriptor());
      methods.add(deep);
    }
    ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(m -> add(out, m));
    return out.build();
  }

  /** The size the message had on the wire: its own size, unless it was cut. */
  public static int wireSize(Message m) {
    UnknownFieldSet.Field size = m.getUnknownFields().getField(WIRE_SIZE_FIELD);
    return size.getVarintList().isEmpty() ? m.getSerializedSize() : size.getVarintList().get(0).intValue();
  }

  private static <Q, A> void add(ServerServiceDefinition.Builder out, ServerMethodDefinition<Q, A> m) {
    out.addMethod(m);
  }

  @SuppressWarnings("unchecked")
  private static <Q, A> ServerMethodDefinition<Q, A> deep(ServerMethodDefinition<Q, A> m, int maxTxnOps) {
    MethodDescriptor<Q, A> method = m.getMethodDescriptor();
    if (!method.getFullMethodName().equals(KVGrpc.getTxnMethod().getFullMethodName())) {
      return m;
    }
    MethodDescriptor.Marshaller<Q> marshaller = (MethodDescriptor.Marshaller<Q>) new TxnMarshaller(maxTxnOps);
    return ServerMethodDefinition.create(method.toBuilder(marshaller, method.getResponseMarshaller()).build(),
        m.getServerCallHandler());
  }

  /** Parses a txn request, cut below the level where etcd's op budget runs out for certain. */
  static final class TxnMarshaller implements MethodDescriptor.PrototypeMarshaller<TxnRequest> {
    private static final MethodDescriptor.PrototypeMarshaller<TxnRequest> PLAIN =
        (MethodDescriptor.PrototypeMarshaller<TxnRequest>) ProtoUtils.marshaller(TxnRequest.getDefaultInstance());
    private final int maxTxnOps;
    /** The level replaced by {@link #cut}: top-level txn is level 0. */
    private final int cutLevel;
    private final int recursionLimit;
    private final ByteString cut;

    TxnMarshaller(int maxTxnOps) {
      this.maxTxnOps = maxTxnOps;
      this.cutLevel = Math.min(maxTxnOps + 1, MAX_TXN_LEVELS);
      // the txn at level L is 2L messages deep (TxnRequest, RequestOp, ...) and its ops' requests 2L+2:
      // everything above the cut level parses, anything in a txn at that level does not
      this.recursionLimit = 2 * cutLevel;
      this.cut = cutLevel == maxTxnOps + 1 ? ByteString.EMPTY : overBudget(maxTxnOps);
    }

    /** A txn whose compares alone exceed any budget left: refused as etcd refuses the whole. */
    private static ByteString overBudget(int maxTxnOps) {
      ByteString.Output out = ByteString.newOutput();
      try {
        CodedOutputStream c = CodedOutputStream.newInstance(out);
        for (int i = 0; i <= maxTxnOps; i++) {
          c.writeBytes(1, ByteString.EMPTY);
        }
        c.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteString();
    }

    @Override
    public TxnRequest getMessagePrototype() {
      return TxnRequest.getDefaultInstance();
    }

    @Override
    public Class<TxnRequest> getMessageClass() {
      return TxnRequest.class;
    }

    @Override
    public InputStream stream(TxnRequest value) {
      return PLAIN.stream(value);
    }

    @Override
    public TxnRequest parse(InputStream stream) {
      ByteString bytes;
      try {
        // one flat array, so that nested fields below can be views of it
        bytes = ByteString.copyFrom(stream.readAllBytes());
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
      }
      try {
        return parse(bytes, recursionLimit);
      } catch (InvalidProtocolBufferException tooDeep) {
        try {
          // + 1: the compares of an over-budget cut
          TxnRequest cutRequest = parse(cutTxn(bytes, 0), recursionLimit + 1);
          return cutRequest.toBuilder().mergeUnknownFields(UnknownFieldSet.newBuilder()
              .addField(WIRE_SIZE_FIELD, UnknownFieldSet.Field.newBuilder().addVarint(bytes.size()).build())
              .build()).build();
        } catch (IOException | RuntimeException e) {
          tooDeep.addSuppressed(e);
          throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(tooDeep)
              .asRuntimeException();
        }
      }
    }

    private static TxnRequest parse(ByteString bytes, int recursionLimit) throws InvalidProtocolBufferException {
      CodedInputStream in = bytes.newCodedInput();
      in.setRecursionLimit(recursionLimit);
      TxnRequest request = TxnRequest.parser().parseFrom(in, ExtensionRegistry.getEmptyRegistry());
      in.checkLastTagWas(0);
      return request;
    }

    /** The TxnRequest at {@code level}, its nested txns cut at {@link #cutLevel}. */
    private ByteString cutTxn(ByteString txn, int level) throws IOException {
      if (level == cutLevel) {
        return cut;
      }
      // success (2) and failure (3) hold RequestOps; compares (1) nest nothing
      return rewrite(txn, field -> field == 2 || field == 3, op -> cutOp(op, level));
    }

    private ByteString cutOp(ByteString op, int level) throws IOException {
      // request_txn (4) is the only op that nests
      return rewrite(op, field -> field == 4, txn -> cutTxn(txn, level + 1));
    }

    private interface Rewrite {
      ByteString apply(ByteString nested) throws IOException;
    }

    /** The message with its length-delimited fields {@code nesting} rewritten, the rest as they were. */
    private static ByteString rewrite(ByteString message, java.util.function.IntPredicate nesting, Rewrite inner)
        throws IOException {
      CodedInputStream in = message.newCodedInput();
      // nested fields as views, not copies: a 2 MiB request is walked ~130 levels down
      in.enableAliasing(true);
      // small: everything below the cut is gone
      ByteString.Output bytes = ByteString.newOutput();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      while (true) {
        int start = in.getTotalBytesRead();
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        int type = WireFormat.getTagWireType(tag);
        if (type == WireFormat.WIRETYPE_START_GROUP || type == WireFormat.WIRETYPE_END_GROUP) {
          // no etcd field is a group, and skipping one would recurse without limit
          throw new InvalidProtocolBufferException("group in a txn request");
        }
        int field = WireFormat.getTagFieldNumber(tag);
        if (type == WireFormat.WIRETYPE_LENGTH_DELIMITED && nesting.test(field)) {
          out.writeBytes(field, inner.apply(in.readBytes()));
        } else {
          in.skipField(tag);
          out.writeRawBytes(message.substring(start, in.getTotalBytesRead()));
        }
      }
      out.flush();
      return bytes.toByteString();
    }
  }
}
