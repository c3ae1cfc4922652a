package io.etcdfake.server.reliability;

/**
 * etcd's KV semantics for one key at a time, as the linearizability checker needs them: put, get,
 * compare-and-swap on the version (a txn), and delete. The state holds what a get shows (value,
 * version, create and mod revision); a write's output carries the revision etcd gave it, which must
 * be above the key's last mod revision. Operations on different keys are independent parts.
 *
 * <p>What a per-key model cannot see, the order of revisions across keys, is checked by
 * {@link RevisionOrder}.
 */
public final class KvModel implements Model<KvModel.State, KvModel.Input, KvModel.Output> {

  /** A key's state; {@code value == null} is "absent" (never written, or deleted). */
  public record State(String value, long version, long createRevision, long modRevision) {
    public static final State ABSENT = new State(null, 0, 0, 0);

    boolean exists() {
      return value != null;
    }

    /** What a get shows: a deleted key looks like one never written. */
    public State visible() {
      return exists() ? this : ABSENT;
    }

    State written(String newValue, long revision) {
      return new State(newValue, version + 1, exists() ? createRevision : revision, revision);
    }

    /** Deleted, but a later create must still get a higher revision than this delete's. */
    State deleted(long revision) {
      return new State(null, 0, 0, revision);
    }
  }

  public sealed interface Input permits Put, Get, Cas, Delete {
    String key();
  }

  public record Put(String key, String value) implements Input {}

  public record Get(String key) implements Input {}

  /** A txn: if the key's version is {@code expectedVersion}, put {@code value}. */
  public record Cas(String key, long expectedVersion, String value) implements Input {}

  public record Delete(String key) implements Input {}

  public sealed interface Output permits Written, Read, Swapped, Deleted {}

  /** A put's answer: the header revision, which is the put's own. */
  public record Written(long revision) implements Output {}

  /** A get's answer: the key's state, and the header revision the read was served at. */
  public record Read(State state, long revision) implements Output {}

  public record Swapped(boolean succeeded, long revision) implements Output {}

  public record Deleted(long deleted, long revision) implements Output {}

  @Override
  public State initial() {
    return State.ABSENT;
  }

  @Override
  public Object partition(Input input) {
    return input.key();
  }

  @Override
  public State step(State s, Input input, Output output) {
    if (output == null) {
      // outcome unknown: the test fails on any failed call, so this model only meets answered ones
      throw new IllegalArgumentException("the KV model needs every call answered: " + input);
    }
    if (input instanceof Put p) {
      return output instanceof Written w && w.revision() > s.modRevision() ? s.written(p.value(), w.revision()) : null;
    }
    if (input instanceof Get) {
      return output instanceof Read r && r.state().equals(s.visible()) && r.revision() >= s.modRevision() ? s : null;
    }
    if (input instanceof Cas c) {
      if (!(output instanceof Swapped w) || w.succeeded() != (s.version() == c.expectedVersion())) {
        return null;
      }
      if (w.succeeded()) {
        return w.revision() > s.modRevision() ? s.written(c.value(), w.revision()) : null;
      }
      return w.revision() >= s.modRevision() ? s : null;
    }
    if (!(output instanceof Deleted del) || del.deleted() != (s.exists() ? 1 : 0)) {
      return null;
    }
    if (del.deleted() == 1) {
      return del.revision() > s.modRevision() ? s.deleted(del.revision()) : null;
    }
    return del.revision() >= s.modRevision() ? s : null;
  }

  /** A key's mod revision only grows, so an answer from below it can never be given again. */
  @Override
  public boolean isDead(State s, Input input, Output output) {
    if (isWrite(output)) {
      return s.modRevision() >= revision(output);
    }
    if (output instanceof Read r && r.state().exists()) {
      return s.modRevision() > r.state().modRevision();
    }
    return s.modRevision() > revision(output);
  }

  /** Whether an operation made a revision of its own (a write that changed something). */
  public static boolean isWrite(Output output) {
    return output instanceof Written
        || output instanceof Swapped s && s.succeeded()
        || output instanceof Deleted d && d.deleted() > 0;
  }

  /** The revision in an operation's answer: its own for a write, the one it read at otherwise. */
  public static long revision(Output output) {
    if (output instanceof Written w) {
      return w.revision();
    }
    if (output instanceof Swapped s) {
      return s.revision();
    }
    if (output instanceof Deleted d) {
      return d.revision();
    }
    return ((Read) output).revision();
  }
}
