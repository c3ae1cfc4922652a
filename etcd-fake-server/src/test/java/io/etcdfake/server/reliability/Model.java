package io.etcdfake.server.reliability;

/**
 * A sequential specification a concurrent history is checked against: a deterministic state machine
 * whose states are values (equals and hashCode by content, so the checker can memoize them).
 *
 * @param <S> the state
 * @param <I> an operation's input
 * @param <O> an operation's output; null means the outcome is unknown (the call failed or timed out)
 */
public interface Model<S, I, O> {
  S initial();

  /**
   * The state after {@code input} answered {@code output} in {@code state}, or null when the
   * specification cannot answer that. A null {@code output} (outcome unknown) must be accepted as
   * "took effect".
   */
  S step(S state, I input, O output);

  /**
   * True when the operation can never be applied in {@code state} nor in any state reached from it
   * (etcd: a write whose revision is at or below the key's last one). Optional: it lets the checker
   * drop a choice at once instead of exploring everything that follows it; it must never answer true
   * for an operation that could still be applied later.
   */
  default boolean isDead(S state, I input, O output) {
    return false;
  }

  /**
   * The independent part of the state an input touches (a key), or null when the model is not
   * partitioned. Histories are checked part by part: linearizability is compositional (P-compositionality).
   */
  default Object partition(I input) {
    return null;
  }
}
