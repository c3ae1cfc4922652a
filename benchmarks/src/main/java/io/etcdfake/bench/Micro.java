package io.etcdfake.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** Runs the JMH benchmarks (one fork each, in a JVM of their own) and keeps one row per result. */
final class Micro {
  /**
   * One benchmark's score, e.g. rangeOneKey keys=1000000: 0.42 ± 0.01 us/op (the mean of its
   * iterations), and the median iteration's, which one iteration slowed by a collection does not move.
   */
  record Row(String name, String params, double score, double error, double median, String unit) {}

  private Micro() {}

  static List<Row> run(boolean quick) throws RunnerException {
    List<Row> rows = new ArrayList<>();
    // the per-operation benchmarks: timed iterations
    rows.addAll(run(new OptionsBuilder()
        .include(StoreBenchmarks.class.getName() + "\\.(put|txn|rangeOneKey|range100Keys|range100KeysCached|historyRead)$")
        .warmupIterations(quick ? 1 : 2).warmupTime(TimeValue.milliseconds(quick ? 500 : 1000))
        .measurementIterations(quick ? 2 : 3).measurementTime(TimeValue.milliseconds(quick ? 500 : 1000))));
    // single shots: each invocation timed alone, set up and torn down outside the timing
    rows.addAll(run(new OptionsBuilder()
        .include(StoreBenchmarks.class.getName() + "\\.compact$")
        .warmupIterations(1).measurementIterations(quick ? 2 : 4)));
    rows.addAll(run(new OptionsBuilder()
        .include(StartupBenchmarks.class.getName() + "\\.")
        .warmupIterations(quick ? 10 : 30).measurementIterations(quick ? 10 : 50)));
    return rows;
  }

  private static List<Row> run(ChainedOptionsBuilder options) throws RunnerException {
    Collection<RunResult> results = new Runner(options.forks(1).shouldFailOnError(true)
        .jvmArgsAppend("-Xmx6g", "-Djava.awt.headless=true").verbosity(VerboseMode.SILENT).build()).run();
    List<Row> rows = new ArrayList<>();
    for (RunResult r : results) {
      String bench = r.getParams().getBenchmark();
      String name = bench.substring(bench.lastIndexOf('.') + 1);
      List<String> params = new ArrayList<>();
      for (String k : r.getParams().getParamsKeys()) {
        params.add(k + "=" + r.getParams().getParam(k));
      }
      var p = r.getPrimaryResult();
      rows.add(new Row(name, String.join(" ", params), p.getScore(), p.getScoreError(),
          p.getStatistics().getPercentile(50), p.getScoreUnit()));
      System.out.printf("micro %-16s %-14s %,.3f %s%n", name, String.join(" ", params), p.getScore(), p.getScoreUnit());
    }
    return rows;
  }
}
