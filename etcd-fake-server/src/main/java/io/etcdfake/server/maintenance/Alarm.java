package io.etcdfake.server.maintenance;

/**
 * A raised alarm, as etcd's AlarmMember: which member raised it and what it is, by etcd's AlarmType
 * number. etcd keeps and lists an alarm of a number it does not know, acting on none, and so does the fake.
 */
public record Alarm(long memberId, int code) {
  /** etcd's AlarmType, same numbers. */
  public enum Type {
    NONE,
    NOSPACE,
    CORRUPT
  }

  public Alarm(long memberId, Type type) {
    this(memberId, type.ordinal());
  }

  /** The type, or null for a number etcd has no name for. */
  public Type type() {
    return code >= 0 && code < Type.values().length ? Type.values()[code] : null;
  }

  /** How etcd prints an alarm in Status errors: Go's compact text format, zero fields left out. */
  public String describe() {
    Type type = type();
    return (memberId != 0 ? "memberID:" + Long.toUnsignedString(memberId) + " " : "")
        + (code != 0 ? "alarm:" + (type != null ? type.name() : Integer.toString(code)) + " " : "");
  }
}
