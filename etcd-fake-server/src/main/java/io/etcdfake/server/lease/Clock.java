package io.etcdfake.server.lease;

import java.time.Duration;

/**
 * The time leases expire by. {@link SystemClock} by default; a {@link ManualClock} lets a test move
 * time forward by hand, and leases that come due expire before {@link #advance} returns.
 */
public interface Clock {
  /** Monotonic nanoseconds; only differences mean anything. */
  long nanos();

  /**
   * Moves time forward and expires every lease due by then before returning. Only a manual clock
   * can; the system clock refuses.
   */
  default void advance(Duration by) {
    throw new UnsupportedOperationException(
        "the system clock cannot be advanced; build the server with manualClock()");
  }

  /** Asks to be told after each {@link #advance}; the lessor uses it to expire due leases at once. */
  default void onAdvance(Runnable listener) {}

  static Clock system() {
    return SystemClock.INSTANCE;
  }

  static ManualClock manual() {
    return new ManualClock();
  }
}
