package io.etcdfake.server.mvcc;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.Comparator;

/**
 * The keys a request names with etcd's {@code key} / {@code range_end} pair: an empty end is the
 * single key, an end of one zero byte is every key from {@code key} on, and any other end is
 * exclusive (an end at or before the key names nothing).
 */
public record KeyRange(ByteString key, ByteString end) {
  /** etcd's key order: bytes compared unsigned, a prefix first. */
  static final Comparator<ByteString> ORDER = KeyRange::compareUnsigned;
  private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

  public static KeyRange of(ByteString key, ByteString rangeEnd) {
    return new KeyRange(key, rangeEnd);
  }

  public static KeyRange single(ByteString key) {
    return new KeyRange(key, ByteString.EMPTY);
  }

  /**
   * Faster than protobuf's own comparator, which walks both strings a byte at a time through
   * iterators: the index compares keys on every lookup, and keys often share long prefixes.
   */
  static int compareUnsigned(ByteString a, ByteString b) {
    ByteBuffer x = a.asReadOnlyByteBuffer();
    ByteBuffer y = b.asReadOnlyByteBuffer();
    int i = x.mismatch(y);
    if (i < 0) {
      return 0;
    }
    if (i == x.remaining() || i == y.remaining()) {
      return Integer.compare(x.remaining(), y.remaining());
    }
    return Integer.compare(Byte.toUnsignedInt(x.get(x.position() + i)), Byte.toUnsignedInt(y.get(y.position() + i)));
  }

  public boolean isSingleKey() {
    return end.isEmpty();
  }

  /** True when the range has no upper bound ("\0" as range_end). */
  public boolean isOpenEnded() {
    return end.equals(ZERO);
  }

  public boolean isEmpty() {
    return !isSingleKey() && !isOpenEnded() && ORDER.compare(end, key) <= 0;
  }

  public boolean contains(ByteString k) {
    if (isSingleKey()) {
      return key.equals(k);
    }
    if (ORDER.compare(k, key) < 0) {
      return false;
    }
    return isOpenEnded() || ORDER.compare(k, end) < 0;
  }
}
