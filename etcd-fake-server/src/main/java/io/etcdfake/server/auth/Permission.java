package io.etcdfake.server.auth;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * A key-range permission of a role, as etcd stores it: a single key ({@code rangeEnd} empty), a range
 * {@code [key, rangeEnd)}, or every key from {@code key} on ({@code rangeEnd} = {@code "\0"}). A prefix
 * is the range up to the prefix's successor, as clients send it.
 */
public record Permission(Type type, ByteString key, ByteString rangeEnd) {

  /** etcd's authpb.Permission.Type, with its wire numbers. */
  public enum Type {
    READ,
    WRITE,
    READWRITE;

    /** By wire number; numbers etcd does not know are kept as given, so {@code null} here means "unknown". */
    public static Type ofNumber(int n) {
      return n >= 0 && n < values().length ? values()[n] : null;
    }

    boolean allowsRead() {
      return this == READ || this == READWRITE;
    }

    boolean allowsWrite() {
      return this == WRITE || this == READWRITE;
    }
  }

  public Permission {
    Objects.requireNonNull(key);
    Objects.requireNonNull(rangeEnd);
  }

  /** The root role's permission as etcd reports it: read-write on every key. */
  static final Permission ROOT = new Permission(Type.READWRITE, ByteString.EMPTY, ByteString.copyFrom(new byte[] {0}));

  Permission withType(Type t) {
    return new Permission(t, key, rangeEnd);
  }
}
