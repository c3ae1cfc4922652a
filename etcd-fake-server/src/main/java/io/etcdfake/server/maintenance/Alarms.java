package io.etcdfake.server.maintenance;

import io.etcdfake.server.mvcc.MvccStore;
import java.util.ArrayList;
import java.util.List;

/**
 * etcd's alarm store: alarms kept per type and member. While a NOSPACE alarm is raised the store
 * refuses puts and txns with a put, as etcd's capped applier does, until it is deactivated.
 */
public final class Alarms {
  private final MvccStore store;
  private final List<Alarm> raised = new ArrayList<>();

  public Alarms(MvccStore store) {
    this.store = store;
  }

  /** The raised alarms of a type, or all of them for {@link Alarm.Type#NONE}. */
  public List<Alarm> get(Alarm.Type type) {
    return get(type.ordinal());
  }

  /** The raised alarms of etcd's AlarmType number {@code code}, or all of them for 0 (NONE). */
  public synchronized List<Alarm> get(int code) {
    return raised.stream().filter(a -> code == 0 || a.code() == code).toList();
  }

  public List<Alarm> all() {
    return get(0);
  }

  /** Raises an alarm; answers it, or null for NONE (which etcd ignores). Raising twice keeps one. */
  public Alarm activate(long memberId, Alarm.Type type) {
    return activate(memberId, type.ordinal());
  }

  /** {@link #activate(long, Alarm.Type)} by etcd's AlarmType number: one etcd does not know is kept and acts on nothing. */
  public synchronized Alarm activate(long memberId, int code) {
    if (code == 0) {
      return null;
    }
    Alarm alarm = new Alarm(memberId, code);
    if (!raised.contains(alarm)) {
      raised.add(alarm);
    }
    obey();
    return alarm;
  }

  /** Clears an alarm; answers it, or null when it was not raised. */
  public Alarm deactivate(long memberId, Alarm.Type type) {
    return deactivate(memberId, type.ordinal());
  }

  /** {@link #deactivate(long, Alarm.Type)} by etcd's AlarmType number. */
  public synchronized Alarm deactivate(long memberId, int code) {
    Alarm alarm = new Alarm(memberId, code);
    if (!raised.remove(alarm)) {
      return null;
    }
    obey();
    return alarm;
  }

  public synchronized void clear() {
    raised.clear();
    obey();
  }

  private void obey() {
    store.setNoSpace(raised.stream().anyMatch(a -> a.type() == Alarm.Type.NOSPACE));
  }
}
