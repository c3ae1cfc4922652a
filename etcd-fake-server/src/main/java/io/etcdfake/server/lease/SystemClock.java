package io.etcdfake.server.lease;

/** Wall time as {@link System#nanoTime()} measures it; leases expire on the lessor's schedule. */
public final class SystemClock implements Clock {
  static final SystemClock INSTANCE = new SystemClock();

  private SystemClock() {}

  @Override
  public long nanos() {
    return System.nanoTime();
  }

  @Override
  public String toString() {
    return "SystemClock";
  }
}
