package io.etcdfake.server.maintenance;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.etcdfake.server.mvcc.KeyValue;
import io.etcdfake.server.mvcc.MvccState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * etcd's HashKV, bit for bit: CRC-32C over the bucket name "key", then, in backend order, each
 * retained version's backend key (8-byte revision, '_', 8-byte sub-revision, 't' for a tombstone)
 * and its value (the protobuf encoding of mvccpb.KeyValue; a tombstone holds just the key).
 * Checked against values a real etcd answered for the same history (KvHashTest).
 */
final class KvHash {
  private KvHash() {}

  /**
   * The hash of the versions up to {@code upTo}. Versions at or below the compaction count only if
   * a read at {@code upTo} sees them (etcd's "keep" set), unless no key is live then.
   */
  static int hash(MvccState state, long upTo) {
    java.util.Map<ByteString, KeyValue> visible = new java.util.HashMap<>();
    for (MvccState.Entry e : state.entries()) {
      if (e.kv().modRevision() <= upTo) {
        visible.put(e.kv().key(), e.kv());
      }
    }
    visible.values().removeIf(KeyValue::isTombstone);
    CRC32C crc = new CRC32C();
    crc.update("key".getBytes(StandardCharsets.US_ASCII));
    for (MvccState.Entry e : state.entries()) {
      KeyValue kv = e.kv();
      if (kv.modRevision() > upTo) {
        continue;
      }
      if (kv.modRevision() <= state.compactRevision() && !visible.isEmpty() && !kv.equals(visible.get(kv.key()))) {
        continue;
      }
      ByteBuffer key = ByteBuffer.allocate(18).putLong(kv.modRevision()).put((byte) '_').putLong(e.sub());
      if (kv.isTombstone()) {
        key.put((byte) 't');
      }
      crc.update(key.array(), 0, key.position());
      crc.update(encode(kv));
    }
    return (int) crc.getValue();
  }

  /** mvccpb.KeyValue as Go's protobuf writes it: fields in number order, zero values left out. */
  static byte[] encode(KeyValue kv) {
    try {
      ByteString.Output out = ByteString.newOutput();
      CodedOutputStream c = CodedOutputStream.newInstance(out);
      if (!kv.key().isEmpty()) {
        c.writeBytes(1, kv.key());
      }
      if (!kv.isTombstone()) {
        writeLong(c, 2, kv.createRevision());
        writeLong(c, 3, kv.modRevision());
        writeLong(c, 4, kv.version());
        if (!kv.value().isEmpty()) {
          c.writeBytes(5, kv.value());
        }
        writeLong(c, 6, kv.lease());
      }
      c.flush();
      return out.toByteString().toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeLong(CodedOutputStream c, int field, long value) throws IOException {
    if (value != 0) {
      c.writeInt64(field, value);
    }
  }
}
