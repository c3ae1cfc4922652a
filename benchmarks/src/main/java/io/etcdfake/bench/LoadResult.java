package io.etcdfake.bench;

import org.HdrHistogram.Histogram;

/**
 * What one workload measured against one target. Latencies are in microseconds; {@code skipped} says
 * why nothing was measured (null when it ran).
 */
public record LoadResult(String target, Workload workload, long ops, double seconds, Histogram latencyMicros,
    long errors, String skipped) {

  static LoadResult skipped(String target, Workload w, String why) {
    return new LoadResult(target, w, 0, 0, new Histogram(3), 0, why);
  }

  /** This and a later round of the same workload on the same target, as one result. */
  LoadResult plus(LoadResult next) {
    if (skipped != null || next.skipped != null) {
      return skipped != null ? this : next;
    }
    Histogram h = latencyMicros.copy();
    h.add(next.latencyMicros);
    return new LoadResult(target, workload, ops + next.ops, seconds + next.seconds, h, errors + next.errors, null);
  }

  public boolean ran() {
    return skipped == null && ops > 0;
  }

  public double opsPerSecond() {
    return seconds <= 0 ? 0 : ops / seconds;
  }

  public double percentileMillis(double p) {
    return latencyMicros.getValueAtPercentile(p) / 1000.0;
  }
}
