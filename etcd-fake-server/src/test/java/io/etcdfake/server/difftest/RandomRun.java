package io.etcdfake.server.difftest;

import java.util.ArrayList;
import java.util.List;
import org.opentest4j.AssertionFailedError;

/**
 * One run of a randomized sequence: both sides brought to an empty keyspace, then the steps in order,
 * each compared. Holds what steps share (open streams) and closes it at the end.
 */
final class RandomRun implements AutoCloseable {
  private final Scenario scenario;
  private final List<AutoCloseable> open = new ArrayList<>();

  private RandomRun(Scenario scenario) {
    this.scenario = scenario;
  }

  /** Empties both sides (the real etcd also loses its leases) and starts a run on them. */
  static RandomRun fresh(Scenario scenario) {
    scenario.fake().reset();
    scenario.reference().reset();
    return new RandomRun(scenario);
  }

  Scenario scenario() {
    return scenario;
  }

  /** Keeps a stream (or anything closeable) open until the run ends. */
  <T extends AutoCloseable> T keep(T resource) {
    open.add(resource);
    return resource;
  }

  /** Replays the steps on fresh sides; the divergence it ends in, or null when both answered alike. */
  static AssertionError replay(Scenario scenario, List<Step> steps) {
    try (RandomRun run = fresh(scenario)) {
      for (Step step : steps) {
        step.run(run);
      }
      run.finish();
      return null;
    } catch (AssertionFailedError e) {
      return e;
    } catch (AssertionError e) {
      return e; // a side that stopped answering a stream
    }
  }

  /** Final checks once every step ran (drains streams); throws on a divergence. */
  void finish() {
    for (AutoCloseable c : open) {
      if (c instanceof Drainable d) {
        d.drain();
      }
    }
  }

  @Override
  public void close() {
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception e) {
        // a stream already ended; nothing to release
      }
    }
    open.clear();
  }

  /** Something kept open whose remaining answers are compared when the run ends. */
  interface Drainable {
    void drain();
  }
}
