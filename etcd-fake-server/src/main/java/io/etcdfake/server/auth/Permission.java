package io.etcdfake.server.auth;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * A key-range permission of a role, as etcd stores it: a single key ({@code rangeEnd} empty), a range
 * {@code [key, rangeEnd)}, or every key from {@code key} on ({@code rangeEnd} = {@code "\0"}). A prefix
 * is the range up to the prefix's successor, as clients send it. The type is etcd's wire number: etcd
 * stores a number it does not know as given, lists it, and lets it grant nothing; so does the fake.
 */
public record Permission(int code, ByteString key, ByteString rangeEnd) {

  /** etcd's authpb.Permission.Type, with its wire numbers. */
  public enum Type {
    READ,
    WRITE,
    READWRITE
  }

  public Permission {
    Objects.requireNonNull(key);
    Objects.requireNonNull(rangeEnd);
  }

  public Permission(Type type, ByteString key, ByteString rangeEnd) {
    this(type.ordinal(), key, rangeEnd);
  }

  /** The root role's permission as etcd reports it: read-write on every key. */
  static final Permission ROOT = new Permission(Type.READWRITE, ByteString.EMPTY, ByteString.copyFrom(new byte[] {0}));

  /** The type, or null for a number etcd has no name for. */
  public Type type() {
    return code >= 0 && code < Type.values().length ? Type.values()[code] : null;
  }

  boolean allowsRead() {
    return type() == Type.READ || type() == Type.READWRITE;
  }

  boolean allowsWrite() {
    return type() == Type.WRITE || type() == Type.READWRITE;
  }

  Permission withCode(int c) {
    return new Permission(c, key, rangeEnd);
  }
}
