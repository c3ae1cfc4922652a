package io.etcdfake.bench;

import io.etcdfake.server.EtcdFakeServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The one command behind {@code benchmarks/run}: load through jetcd against the fake, a real etcd and
 * the no-op floor in turn, then the JMH microbenchmarks, then the heap measurement; writes
 * results.md and throughput.png.
 */
@Command(name = "benchmarks/run", mixinStandardHelpOptions = true,
    description = "Measures etcd-fake against a real etcd and a no-op gRPC floor; writes results.md and a chart.")
public final class Run implements Callable<Integer> {
  @Option(names = "--etcd", description = "a real etcd to compare with, e.g. http://127.0.0.1:2379 (none: not compared)")
  String etcd;

  @Option(names = "--quick", description = "short windows, fewer watchers and JMH iterations (indicative only)")
  boolean quick;

  @Option(names = "--out", defaultValue = "benchmarks/results", description = "where results.md and the chart go")
  Path out;

  @Option(names = "--clients", defaultValue = "16", description = "jetcd clients")
  int clients;

  @Option(names = "--concurrency", defaultValue = "1", description = "requests in flight per client")
  int concurrency;

  @Option(names = "--workloads", split = ",", description = "which load workloads (default all): ${COMPLETION-CANDIDATES}")
  List<Workload> workloads = List.of(Workload.values());

  @Option(names = "--watchers", description = "watchers of the watch workload (default 1000)")
  Integer watchers;

  @Option(names = "--watch-events", description = "events of the watch workload on the fake (default 10000, 2000 with "
      + "--quick); etcd and the floor get a tenth of them at the same rate")
  Integer watchEvents;

  @Option(names = "--watch-rate", description = "events per second the watch workload's writer puts (default 100)")
  Integer watchRate;

  @Option(names = "--targets", split = ",", description = "which targets to drive (default fake,etcd,floor; etcd needs --etcd)")
  List<String> only = List.of(Report.FAKE, Report.ETCD, Report.FLOOR);

  @Option(names = "--skip-micro", description = "leave out the JMH microbenchmarks")
  boolean skipMicro;

  @Option(names = "--skip-heap", description = "leave out the heap measurement")
  boolean skipHeap;

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    System.exit(new CommandLine(new Run()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    // the phases' planned durations (a quiet 2-core machine): see docs/performance.md for the sum
    LoadDriver.Settings settings = quick
        ? new LoadDriver.Settings(clients, concurrency, Duration.ofMillis(500), Duration.ofMillis(1500), 2, 1000, 2000,
            100, 64)
        : new LoadDriver.Settings(clients, concurrency, Duration.ofSeconds(1), Duration.ofSeconds(3), 2, 1000, 10_000,
            100, 64);
    if (watchers != null || watchEvents != null || watchRate != null) {
      settings = new LoadDriver.Settings(settings.clients(), settings.concurrency(), settings.warmup(), settings.window(),
          settings.rounds(), watchers != null ? watchers : settings.watchers(),
          watchEvents != null ? watchEvents : settings.watchEvents(),
          watchRate != null ? watchRate : settings.watchRate(), settings.valueBytes());
    }
    long runStart = System.nanoTime();
    Report report = new Report(settings, quick, etcd);
    if (etcd != null) {
      report.etcdVersion = etcdVersion(etcd);
    }
    LoadDriver driver = new LoadDriver(settings);
    try (EtcdFakeServer fake = EtcdFakeServer.builder().build().start(); FloorServer floor = FloorServer.start()) {
      Map<String, String> targets = new LinkedHashMap<>();
      targets.put(Report.FAKE, fake.clientEndpoints().get(0).toString());
      if (etcd != null) {
        targets.put(Report.ETCD, etcd);
      }
      targets.put(Report.FLOOR, floor.endpoint());
      targets.keySet().retainAll(only);
      // JIT warm-up of the driver, jetcd and both in-JVM servers, so the target measured first is not the cold one
      System.out.println("warming up ...");
      // short windows, and a short watch (3 s at the same rate and watchers) so that its first measured
      // seconds are not the JIT's
      LoadDriver warmup = new LoadDriver(new LoadDriver.Settings(settings.clients(), settings.concurrency(),
          Duration.ofMillis(500), Duration.ofMillis(1500), 1, settings.watchers(), 3 * settings.watchRate(),
          settings.watchRate(), settings.valueBytes()));
      List<Workload> warm = new ArrayList<>();
      if (workloads.stream().anyMatch(x -> x != Workload.WATCH)) {
        warm.addAll(List.of(Workload.PUT, Workload.RANGE, Workload.TXN));
      }
      if (workloads.contains(Workload.WATCH)) {
        warm.add(Workload.WATCH);
      }
      for (Workload w : warm) {
        for (String t : List.of(Report.FAKE, Report.FLOOR)) {
          if (!targets.containsKey(t)) {
            continue;
          }
          warmup.run(t, targets.get(t), w);
          System.gc();
        }
      }
      for (Workload w : workloads) {
        // rounds alternate the targets, so that load from elsewhere on the machine falls on all of them alike
        int rounds = w == Workload.WATCH ? 1 : settings.rounds();
        Map<String, LoadResult> merged = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
          for (var t : targets.entrySet()) {
            LoadResult previous = merged.get(t.getKey());
            if (previous != null && previous.skipped() != null) {
              continue;
            }
            LoadResult r = driver.run(t.getKey(), t.getValue(), w);
            merged.put(t.getKey(), previous == null ? r : previous.plus(r));
            System.gc();
          }
        }
        for (LoadResult r : merged.values()) {
          report.add(r);
          System.out.printf("load %-14s on %-5s %s%n", w.label, r.target(), r.skipped() != null ? "skipped: " + r.skipped()
              : String.format("%,.0f ops/s, p50 %.2f ms, p99 %.2f ms%s", r.opsPerSecond(), r.percentileMillis(50),
                  r.percentileMillis(99), r.errors() > 0 ? ", errors " + r.errors() : ""));
        }
      }
    }
    phase("load", runStart);
    if (!skipMicro) {
      long t = System.nanoTime();
      report.micro(Micro.run(quick));
      phase("JMH", t);
    }
    if (!skipHeap) {
      long t = System.nanoTime();
      report.heap(measureHeap(1_000_000, 10));
      phase("heap", t);
    }
    report.write(out);
    System.out.println("wrote " + out.resolve("results.md") + " and " + out.resolve("throughput.png"));
    phase("whole run (after the build)", runStart);
    return 0;
  }

  /** Prints how long a phase took: the run is meant to stay under 10 minutes on 2 cores. */
  private static void phase(String name, long startNanos) {
    System.out.printf("time: %s took %.0f s%n", name, (System.nanoTime() - startNanos) / 1e9);
  }

  private static String etcdVersion(String endpoint) {
    try (io.etcd.jetcd.Client c = io.etcd.jetcd.Client.builder().endpoints(endpoint).build()) {
      return "etcd " + c.getMaintenanceClient().statusMember(endpoint).get(10, java.util.concurrent.TimeUnit.SECONDS)
          .getVersion();
    } catch (Exception e) {
      return "etcd (version unknown: " + e.getMessage() + ")";
    }
  }

  /** HeapPerKey in a JVM of its own, so nothing else is on its heap; answers its output line. */
  private static String measureHeap(int keys, int revisions) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx6g", "-XX:+UseG1GC",
        "-cp", System.getProperty("java.class.path"), HeapPerKey.class.getName(),
        Integer.toString(keys), Integer.toString(revisions)));
    System.out.printf("heap at %,d keys × %d revisions ... ", keys, revisions);
    System.out.flush();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String line = null;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String l; (l = r.readLine()) != null; ) {
        if (l.startsWith("heapBytes=")) {
          line = l;
        }
      }
    }
    if (p.waitFor() != 0 || line == null) {
      throw new IllegalStateException("heap measurement failed: " + String.join(" ", cmd));
    }
    System.out.println(line);
    return line;
  }
}
