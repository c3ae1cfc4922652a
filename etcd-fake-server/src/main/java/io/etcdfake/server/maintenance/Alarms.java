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
  public synchronized List<Alarm> get(Alarm.Type type) {
    return raised.stream().filter(a -> type == Alarm.Type.NONE || a.type() == type).toList();
  }

  public List<Alarm> all() {
    return get(Alarm.Type.NONE);
  }

  /** Raises an alarm; answers it, or null for NONE (which etcd ignores). Raising twice keeps one. */
  public synchronized Alarm activate(long memberId, Alarm.Type type) {
    if (type == Alarm.Type.NONE) {
      return null;
    }
    Alarm alarm = new Alarm(memberId, type);
    if (!raised.contains(alarm)) {
      raised.add(alarm);
    }
    obey();
    return alarm;
  }

  /** Clears an alarm; answers it, or null when it was not raised. */
  public synchronized Alarm deactivate(long memberId, Alarm.Type type) {
    Alarm alarm = new Alarm(memberId, type);
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
