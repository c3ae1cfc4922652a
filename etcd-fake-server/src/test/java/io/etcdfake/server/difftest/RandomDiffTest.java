package io.etcdfake.server.difftest;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.opentest4j.AssertionFailedError;

/**
 * Randomized differential testing: seeded random sequences of requests (see {@link RandomOps}) sent to
 * the fake and to a real etcd, every answer compared. On a divergence the sequence is shrunk to a
 * shortest failing one and printed as a differential test ready to paste.
 *
 * <p>Knobs (system properties, passed through by Maven's {@code -D}):
 * <ul>
 *   <li>{@code conformance.ops}: total steps, 3000 by default (the quick run of {@code mvn verify});
 *       100000 for a release check;
 *   <li>{@code conformance.seed}: the first sequence's seed (sequence {@code i} uses seed + i); random
 *       by default and always printed, so a failure replays with the seed and length it names;
 *   <li>{@code conformance.length}: steps per sequence (both sides start empty for each), 150;
 *   <li>{@code conformance.services}: which services' requests to mix in, {@code kv,lease} by default.
 * </ul>
 */
@Differential
class RandomDiffTest {
  private static final int SHRINK_TRIES = 400;

  @Test
  void randomSequencesGetTheSameAnswers(Scenario s, TestReporter reporter) {
    long ops = Long.getLong("conformance.ops", 3000);
    int length = Integer.getInteger("conformance.length", 150);
    long firstSeed = Long.getLong("conformance.seed", System.nanoTime() & 0xffffffffL);
    Set<String> services = services();
    String how = "-Dconformance.ops=" + ops + " -Dconformance.length=" + length + " -Dconformance.seed=" + firstSeed
        + " -Dconformance.services=" + String.join(",", services);
    reporter.publishEntry("conformance", how);
    System.out.println("RandomDiffTest: " + how);

    long done = 0;
    Map<String, Integer> answers = new TreeMap<>();
    for (long seed = firstSeed; done < ops; seed++) {
      int steps = (int) Math.min(length, ops - done);
      runSequence(s, seed, steps, services, answers);
      done += steps;
    }
    String summary = done + " steps compared with etcd " + s.reference().version() + ", 0 divergences; answers: " + answers;
    reporter.publishEntry("conformance", summary);
    System.out.println("RandomDiffTest: " + summary);
  }

  private static void runSequence(Scenario s, long seed, int length, Set<String> services, Map<String, Integer> answers) {
    RandomOps ops = new RandomOps(seed, services);
    List<Step> steps = new ArrayList<>();
    try (RandomRun run = RandomRun.fresh(s)) {
      for (int i = 0; i < length; i++) {
        Step step = ops.next();
        steps.add(step);
        Outcome<?> outcome = step.run(run);
        ops.observe(outcome);
        answers.merge(step.name() + (outcome.isError() ? " " + outcome.description() : " ok"), 1, Integer::sum);
      }
      run.finish();
    } catch (AssertionFailedError divergence) {
      AssertionFailedError failure = shrunk(s, seed, steps, services, divergence);
      System.out.println("RandomDiffTest: " + failure.getMessage());
      throw failure;
    }
  }

  /** The shrinker must find the two steps that matter among many that do not, and print them as a test. */
  @Test
  void aDivergenceIsShrunkAndPrintedAsATest(Scenario s) {
    RandomOps ops = new RandomOps(42, Set.of("kv"));
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      steps.add(ops.next());
    }
    PutRequest onlyInFake = Kv.put("zz", "only-in-fake").build();
    steps.add(20, new Step("Put", "s.fake().call(KVGrpc.getPutMethod(), " + JavaSource.message(onlyInFake) + ");",
        run -> run.scenario().fake().call(KVGrpc.getPutMethod(), onlyInFake)));
    steps.add(Step.call(KVGrpc.getRangeMethod(), Kv.get("zz").build()));

    AssertionError divergence = RandomRun.replay(s, steps);
    assertThat(divergence).isNotNull();
    String message = shrunk(s, 42, steps, Set.of("kv"), (AssertionFailedError) divergence).getMessage();
    assertThat(message)
        .contains("Shrunk to 2 steps")
        .contains("  void randomSeed42(Scenario s) {\n"
            + "    s.fake().call(KVGrpc.getPutMethod(), PutRequest.newBuilder().setKey(Kv.bytes(\"zz\"))"
            + ".setValue(Kv.bytes(\"only-in-fake\")).build());\n"
            + "    s.call(KVGrpc.getRangeMethod(), RangeRequest.newBuilder()") // any read: even the revision differs
        .contains("--- fake:");
  }

  private static AssertionFailedError shrunk(Scenario s, long seed, List<Step> steps, Set<String> services,
      AssertionFailedError first) {
    List<Step> smallest = Shrinker.shrink(steps, candidate -> RandomRun.replay(s, candidate) != null, SHRINK_TRIES);
    AssertionError divergence = RandomRun.replay(s, smallest);
    String test = "  @Test\n  void randomSeed" + seed + "(Scenario s) {\n"
        + smallest.stream().map(step -> "    " + step.java()).collect(Collectors.joining("\n")) + "\n  }\n";
    String message = "the fake and etcd diverged in sequence seed " + seed + " (" + steps.size() + " steps; replay: "
        + "-Dconformance.seed=" + seed + " -Dconformance.ops=" + steps.size() + " -Dconformance.services="
        + String.join(",", services) + ").\nShrunk to " + smallest.size() + " steps, as a differential test:\n\n"
        + test + "\n" + (divergence != null ? divergence.getMessage() : "(the shrunk sequence did not fail again: flaky?)\n"
        + first.getMessage());
    return new AssertionFailedError(message, first);
  }

  static Set<String> services() {
    String list = System.getProperty("conformance.services", "kv,lease").trim();
    return new LinkedHashSet<>(Arrays.asList(list.isEmpty() ? new String[] {"kv"} : list.split("\\s*,\\s*")));
  }
}
