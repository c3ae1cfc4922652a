package io.etcdfake.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** Collects what a run measured and writes it: results.md (tables, targets) and throughput.png. */
final class Report {
  static final String FAKE = "fake";
  static final String ETCD = "etcd";
  static final String FLOOR = "floor";
  private static final double GIB = 1024.0 * 1024 * 1024;

  private final LoadDriver.Settings settings;
  private final boolean quick;
  private final String etcdEndpoint;
  private final List<LoadResult> load = new ArrayList<>();
  private List<Micro.Row> micro = List.of();
  private String heap;
  String etcdVersion = "?";

  Report(LoadDriver.Settings settings, boolean quick, String etcdEndpoint) {
    this.settings = settings;
    this.quick = quick;
    this.etcdEndpoint = etcdEndpoint;
  }

  void add(LoadResult r) {
    load.add(r);
  }

  void micro(List<Micro.Row> rows) {
    this.micro = rows;
  }

  void heap(String line) {
    this.heap = line;
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("results.md"), markdown());
    chart(dir.resolve("throughput.png"));
  }

  private Optional<LoadResult> result(Workload w, String target) {
    return load.stream().filter(r -> r.workload() == w && r.target().equals(target)).findFirst();
  }

  private String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("# etcd-fake benchmark results\n\n");
    md.append(String.format("Run %s%s. Machine: %d cores (%s), %.0f GiB memory, %s %s, Java %s; other builds may have run "
            + "at the same time. Real etcd: %s.%n%n",
        Instant.now().truncatedTo(ChronoUnit.SECONDS), quick ? " with --quick (short windows: indicative only)" : "",
        Runtime.getRuntime().availableProcessors(), cpuModel(), totalMemoryGib(), System.getProperty("os.name"),
        System.getProperty("os.arch"), System.getProperty("java.version"),
        etcdEndpoint == null ? "not compared (no --etcd)" : etcdVersion + " at " + etcdEndpoint));
    targets(md);
    loadTable(md);
    microTable(md);
    heapSection(md);
    md.append("![throughput](throughput.png)\n");
    return md.toString();
  }

  private void loadTable(StringBuilder md) {
    md.append(String.format(Locale.ROOT, "## Load through jetcd%n%n%d clients × %d in flight each (closed loop); per "
            + "workload %d rounds alternating the targets, each %.1f s warm-up then %.1f s measured; watch: one round, "
            + "%,d watchers on %d Watch streams, %,d events put at %,d/s on the fake (%,d on etcd and the floor). The "
            + "fake and the floor run in the driver's JVM; etcd is its own process on the same cores. floor ÷ etcd is "
            + "the most the fake could reach against etcd here.%n%n",
        settings.clients(), settings.concurrency(), settings.rounds(), settings.warmup().toMillis() / 1000.0,
        settings.window().toMillis() / 1000.0, settings.watchers(), settings.clients(), settings.watchEvents(),
        settings.watchRate(), LoadDriver.compareEvents(settings.watchEvents())));
    md.append("| workload | fake ops/s | etcd ops/s | floor ops/s | fake ÷ etcd | fake ÷ floor | floor ÷ etcd "
        + "| fake p50 / p99 ms | etcd p50 / p99 ms | floor p50 / p99 ms |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Workload w : Workload.values()) {
      if (load.stream().noneMatch(r -> r.workload() == w)) {
        continue;
      }
      Optional<LoadResult> fake = result(w, FAKE);
      Optional<LoadResult> etcd = result(w, ETCD);
      Optional<LoadResult> floor = result(w, FLOOR);
      md.append("| ").append(w.label).append(" | ").append(ops(fake)).append(" | ").append(ops(etcd))
          .append(" | ").append(ops(floor)).append(" | ").append(ratio(fake, etcd)).append(" | ")
          .append(ratio(fake, floor)).append(" | ").append(ratio(floor, etcd)).append(" | ").append(lat(fake)).append(" | ").append(lat(etcd))
          .append(" | ").append(lat(floor)).append(" |\n");
    }
    md.append("\nWhat each workload does: ");
    for (Workload w : Workload.values()) {
      md.append("**").append(w.label).append("**: ").append(w.description).append(". ");
    }
    md.append("Watch ops/s are events delivered per second, summed over watchers: with the writer at a fixed rate "
        + "that is the offered load while a target keeps up, so compare the watch latencies, not its ratios.\n\n");
    for (LoadResult r : load) {
      if (r.errors() > 0) {
        md.append(String.format("- %s on %s: %d errors (or events missing)%n", r.workload().label, r.target(), r.errors()));
      }
    }
    md.append('\n');
  }

  private static String ops(Optional<LoadResult> r) {
    if (r.isEmpty()) {
      return "–";
    }
    return r.get().ran() ? String.format(Locale.ROOT, "%,.0f", r.get().opsPerSecond()) : "skipped¹";
  }

  private static String ratio(Optional<LoadResult> a, Optional<LoadResult> b) {
    if (a.isEmpty() || b.isEmpty() || !a.get().ran() || !b.get().ran()) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.2f×", a.get().opsPerSecond() / b.get().opsPerSecond());
  }

  private static String lat(Optional<LoadResult> r) {
    if (r.isEmpty() || !r.get().ran()) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.2f / %.2f", r.get().percentileMillis(50), r.get().percentileMillis(99));
  }

  private void microTable(StringBuilder md) {
    if (micro.isEmpty()) {
      return;
    }
    md.append("## Microbenchmarks (JMH, one fork)\n\nscore: the mean of the measured iterations, with JMH's 99.9 % "
        + "error; median: the median iteration's.\n\n| benchmark | params | score | ± 99.9% | median | unit |\n"
        + "| --- | --- | ---: | ---: | ---: | --- |\n");
    for (Micro.Row r : micro) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %s | %.3f | %s |%n", r.name(), r.params(), r.score(),
          Double.isNaN(r.error()) ? "–" : String.format(Locale.ROOT, "%.3f", r.error()), r.median(),
          r.unit()));
    }
    md.append("\n");
  }

  private void heapSection(StringBuilder md) {
    if (heap == null) {
      return;
    }
    md.append(String.format(Locale.ROOT, "## Heap%n%nLive heap after full GC of a store holding 1,000,000 keys × 10 "
        + "revisions (16-byte values, ~18-byte keys), in a JVM of its own: **%.2f GiB** (%,d bytes per key, %,d per "
        + "version).%n%n", heapBytes() / GIB, heapBytes() / 1_000_000, heapBytes() / 10_000_000));
  }

  private long heapBytes() {
    for (String part : heap.split(" ")) {
      if (part.startsWith("heapBytes=")) {
        return Long.parseLong(part.substring("heapBytes=".length()));
      }
    }
    return -1;
  }

  private Optional<Micro.Row> microRow(String name, String params) {
    return micro.stream().filter(r -> r.name().equals(name) && r.params().equals(params)).findFirst();
  }

  private void targets(StringBuilder md) {
    md.append("## Targets (issue 9)\n\n| target | measured | met |\n| --- | --- | --- |\n");
    microRow("startToFirstPut", "").ifPresent(r -> md.append(String.format(Locale.ROOT,
        "| start → first jetcd put < 50 ms (warm JVM) | %.1f ms | %s |%n", r.score(), yes(r.score() < 50))));
    boolean belowFloorLine = false;
    for (Workload w : List.of(Workload.PUT, Workload.RANGE, Workload.TXN)) {
      Optional<LoadResult> fake = result(w, FAKE);
      Optional<LoadResult> etcd = result(w, ETCD);
      Optional<LoadResult> floor = result(w, FLOOR);
      if (fake.isPresent() && fake.get().ran() && etcd.isPresent() && etcd.get().ran()) {
        double x = fake.get().opsPerSecond() / etcd.get().opsPerSecond();
        // the fake cannot pass the floor: when the floor itself is below 5× etcd, that is the cause
        String ceiling = floor.isPresent() && floor.get().ran()
            ? String.format(Locale.ROOT, " (the no-op floor: %.2f× etcd)",
                floor.get().opsPerSecond() / etcd.get().opsPerSecond())
            : "";
        md.append(String.format(Locale.ROOT, "| %s throughput ≥ 5× etcd at %d concurrent | %.2f×%s | %s |%n",
            w.label, settings.slots(), x, ceiling, yes(x >= 5)));
      }
      if (fake.isPresent() && fake.get().ran() && floor.isPresent() && floor.get().ran()) {
        double x = fake.get().opsPerSecond() / floor.get().opsPerSecond();
        md.append(String.format(Locale.ROOT, "| %s throughput ≥ 0.7× gRPC floor | %.2f× | %s |%n",
            w.label, x, yes(x >= 0.7)));
        belowFloorLine |= x < 0.7;
      }
    }
    result(Workload.WATCH, FAKE).ifPresent(r -> md.append(r.ran()
        ? String.format(Locale.ROOT, "| %,d watchers × %,d events (put at %,d/s): p99 delivery < 50 ms | p99 %.1f ms"
                + "%s | %s |%n",
            settings.watchers(), settings.watchEvents(), settings.watchRate(), r.percentileMillis(99),
            r.errors() > 0 ? String.format(Locale.ROOT, ", %,d deliveries missing", r.errors()) : "",
            yes(r.percentileMillis(99) < 50 && r.errors() == 0)
                + (settings.watchers() < 1000 || settings.watchEvents() < 10_000 ? " (smaller than the target)" : ""))
        : "| watch fan-out p99 < 50 ms | skipped: " + r.skipped() + " | not measured |\n"));
    Optional<Micro.Row> small = microRow("range100KeysCached", "keys=1000");
    Optional<Micro.Row> large = microRow("range100KeysCached", "keys=1000000");
    Optional<Micro.Row> randomSmall = microRow("range100Keys", "keys=1000");
    Optional<Micro.Row> randomLarge = microRow("range100Keys", "keys=1000000");
    if (small.isPresent() && large.isPresent()) {
      // log2(1M) / log2(1k) = 2: an O(log n + k) range may take up to about twice the time; an O(n) one, 1,000×.
      // Medians: one of three iterations slowed by a collection of the 1M-key heap would move a mean 4×.
      double x = large.get().median() / small.get().median();
      String random = randomSmall.isPresent() && randomLarge.isPresent()
          ? String.format(Locale.ROOT, "; at random places %.2f×, the cache misses of a 1M-key index",
              randomLarge.get().median() / randomSmall.get().median())
          : "";
      md.append(String.format(Locale.ROOT, "| range cost O(log n + k): 100 keys out of 1M vs out of 1k | %.2f× the median "
          + "time (same memory touched)%s | %s |%n", x, random, yes(x < 3)));
    }
    if (heap != null) {
      md.append(String.format(Locale.ROOT, "| 1M keys × 10 revisions in < 1 GiB heap | %.2f GiB | %s |%n",
          heapBytes() / GIB, yes(heapBytes() < GIB)));
    }
    if (result(Workload.PUT, ETCD).filter(LoadResult::ran).isPresent()) {
      md.append("\nThe fake cannot be faster than the floor (gRPC, protobuf and jetcd with no store): where the floor "
          + "is below 5× etcd, the 5× targets are out of reach on this machine, whatever the fake does; see "
          + "docs/performance.md.\n");
    }
    if (belowFloorLine) {
      md.append("\nBelow 0.7× the floor: the fake does a store's real work per request (interceptors for auth, faults, "
          + "quota and size, validation, proto ↔ store conversions, the write lock) where the floor answers canned "
          + "messages, and fake ÷ floor moves by about ±0.1 between runs of 3-second windows on 2 cores; "
          + "docs/performance.md gives several runs and the CPU per operation.\n");
    }
    if (load.stream().anyMatch(r -> r.skipped() != null)) {
      md.append("\n¹ skipped: ");
      load.stream().filter(r -> r.skipped() != null).forEach(r ->
          md.append(r.workload().label).append(" on ").append(r.target()).append(" (").append(r.skipped()).append("); "));
      md.append("\n");
    }
    md.append("\n");
  }

  private static String yes(boolean met) {
    return met ? "yes" : "**no**";
  }

  private void chart(Path file) throws IOException {
    CategoryChart chart = new CategoryChartBuilder().width(900).height(500)
        .title("Throughput through jetcd (" + settings.clients() + " × " + settings.concurrency() + " in flight)")
        .xAxisTitle("workload").yAxisTitle("ops/s (log)").build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setYAxisMin(1.0); // bars start at 0 otherwise, which a log axis cannot show
    chart.getStyler().setLabelsVisible(false);
    List<String> labels = new ArrayList<>();
    for (Workload w : Workload.values()) {
      if (load.stream().anyMatch(r -> r.workload() == w && r.ran())) {
        labels.add(w.label);
      }
    }
    if (labels.isEmpty()) {
      return;
    }
    for (String target : List.of(FAKE, ETCD, FLOOR)) {
      if (load.stream().noneMatch(r -> r.target().equals(target))) {
        continue;
      }
      List<Double> values = new ArrayList<>();
      for (Workload w : Workload.values()) {
        if (labels.contains(w.label)) {
          // a log axis cannot show 0: a workload the target skipped gets 1
          values.add(result(w, target).filter(LoadResult::ran).map(LoadResult::opsPerSecond).orElse(1.0));
        }
      }
      chart.addSeries(target, labels, values);
    }
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
    } catch (IOException | RuntimeException e) {
      return "unknown CPU";
    }
  }

  private static double totalMemoryGib() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getTotalMemorySize() / GIB;
    }
    return 0;
  }
}
