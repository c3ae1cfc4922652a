package io.etcdfake.junit;

import java.util.List;
import org.assertj.core.api.AbstractAssert;

/** Assertions on one lease, as LeaseTimeToLive reports it; {@link #and()} goes back to the store. */
public final class LeaseAssert extends AbstractAssert<LeaseAssert, KeySource.LeaseState> {
  private final EtcdAssert store;

  LeaseAssert(EtcdAssert store, KeySource.LeaseState lease) {
    super(lease, LeaseAssert.class);
    this.store = store;
  }

  /** The TTL it was granted with (after etcd's minimum of 2 s was applied). */
  public LeaseAssert withGrantedTtl(long seconds) {
    if (actual.grantedTtl() != seconds) {
      mismatch("granted TTL", seconds + "s", actual.grantedTtl() + "s");
    }
    return this;
  }

  /** The seconds left, truncated as etcd reports them; exact with a manual clock. */
  public LeaseAssert withRemainingTtl(long seconds) {
    if (actual.remainingTtl() != seconds) {
      mismatch("remaining TTL", seconds + "s", actual.remainingTtl() + "s");
    }
    return this;
  }

  /** Exactly these keys are attached, in any order. */
  public LeaseAssert withKeys(String... keys) {
    List<String> expected = new java.util.ArrayList<>(List.of(keys));
    expected.sort(null);
    List<String> was = new java.util.ArrayList<>(actual.keys());
    was.sort(null);
    if (!was.equals(expected)) {
      mismatch("keys", expected, actual.keys());
    }
    return this;
  }

  public LeaseAssert withoutKeys() {
    return withKeys();
  }

  public EtcdAssert and() {
    return store;
  }

  private void mismatch(String what, Object expected, Object was) {
    failWithMessage("%nExpecting lease %s (%s) to have %s:%n  %s%nbut was:%n  %s%n(granted TTL %ss, %ss left, keys %s)",
        actual.id(), EtcdAssert.hex(actual.id()), what, expected, was, actual.grantedTtl(), actual.remainingTtl(), actual.keys());
  }
}
