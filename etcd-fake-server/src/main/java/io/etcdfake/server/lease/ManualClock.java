package io.etcdfake.server.lease;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that stands still until a test advances it. Each {@link #advance} tells its listeners
 * (the lessor) before returning, so the effect of an expiry can be asserted on the next line.
 */
public final class ManualClock implements Clock {
  private final AtomicLong nanos = new AtomicLong();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  @Override
  public long nanos() {
    return nanos.get();
  }

  @Override
  public void advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("time only moves forward: " + by);
    }
    nanos.addAndGet(by.toNanos());
    for (Runnable l : listeners) {
      l.run();
    }
  }

  @Override
  public void onAdvance(Runnable listener) {
    listeners.add(listener);
  }

  @Override
  public String toString() {
    return "ManualClock[" + Duration.ofNanos(nanos.get()) + "]";
  }
}
