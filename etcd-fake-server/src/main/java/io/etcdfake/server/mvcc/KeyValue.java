package io.etcdfake.server.mvcc;

import com.google.protobuf.ByteString;

/**
 * One version of a key, as etcd's {@code mvccpb.KeyValue}. A tombstone (the key deleted at
 * {@code modRevision}) has version 0 and no value.
 */
public record KeyValue(
    ByteString key, long createRevision, long modRevision, long version, ByteString value, long lease) {

  static KeyValue tombstone(ByteString key, long revision) {
    return new KeyValue(key, 0, revision, 0, ByteString.EMPTY, 0);
  }

  public boolean isTombstone() {
    return version == 0;
  }

  /** The same version without its value, as keys_only reads return it. */
  KeyValue withoutValue() {
    return value.isEmpty() ? this : new KeyValue(key, createRevision, modRevision, version, ByteString.EMPTY, lease);
  }

  @Override
  public String toString() {
    return "KeyValue[key=" + key.toStringUtf8() + ", create=" + createRevision + ", mod=" + modRevision
        + ", version=" + version + ", value=" + value.toStringUtf8() + ", lease=" + lease + "]";
  }
}
