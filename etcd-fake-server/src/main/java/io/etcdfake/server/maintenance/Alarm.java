package io.etcdfake.server.maintenance;

/** A raised alarm, as etcd's AlarmMember: which member raised it and what it is. */
public record Alarm(long memberId, Type type) {
  /** etcd's AlarmType, same numbers. */
  public enum Type {
    NONE,
    NOSPACE,
    CORRUPT
  }

  /** How etcd prints an alarm in Status errors: Go's compact text format, zero fields left out. */
  public String describe() {
    return (memberId != 0 ? "memberID:" + Long.toUnsignedString(memberId) + " " : "")
        + (type != Type.NONE ? "alarm:" + type + " " : "");
  }
}
