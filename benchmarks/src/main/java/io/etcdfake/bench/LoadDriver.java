package io.etcdfake.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * A load driver in the manner of etcd's tools/benchmark: N jetcd clients, M requests in flight on each
 * (one thread per slot, each waiting for its answer: a closed loop), a warm-up that is not recorded,
 * then a timed window whose latencies go to an HdrHistogram. Works against any etcd endpoint.
 */
public final class LoadDriver {
  /** How hard and how long to drive. */
  public record Settings(int clients, int concurrency, Duration warmup, Duration window, int rounds,
      int watchers, int watchEvents, int watchRate, int valueBytes) {
    int slots() {
      return clients * concurrency;
    }
  }

  private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(2);
  private static final long TIMEOUT_S = 30;

  private final Settings settings;

  public LoadDriver(Settings settings) {
    this.settings = settings;
  }

  /**
   * Watch events for a target: all of them for the fake, whose target this is; a tenth for etcd and
   * the floor, enough for their latency at the same rate and watchers, so the run stays short.
   */
  int watchEvents(String target) {
    return target.equals(Report.FAKE) ? settings.watchEvents : compareEvents(settings.watchEvents);
  }

  static int compareEvents(int watchEvents) {
    return Math.max(1, watchEvents / 10);
  }

  /** Runs one workload against the endpoint; a service the target lacks (UNIMPLEMENTED) is reported as skipped. */
  public LoadResult run(String target, String endpoint, Workload w) throws InterruptedException {
    if (w == Workload.WATCH) {
      try {
        return new WatchFanOut(settings.clients, settings.watchers, watchEvents(target), settings.watchRate,
            settings.valueBytes).run(target, endpoint);
      } catch (RuntimeException e) {
        if (isUnimplemented(e)) {
          return LoadResult.skipped(target, w, "service not implemented by " + target);
        }
        throw e;
      }
    }
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < settings.clients; i++) {
      clients.add(Client.builder().endpoints(endpoint).retryMaxAttempts(0).build());
    }
    try {
      return closedLoop(target, w, clients);
    } catch (RuntimeException e) {
      if (isUnimplemented(e)) {
        return LoadResult.skipped(target, w, "service not implemented by " + target);
      }
      throw e;
    } finally {
      clients.forEach(Client::close);
    }
  }

  /** One operation of a closed-loop workload, run by one slot. */
  private interface SlotOp {
    void run() throws Exception;
  }

  private LoadResult closedLoop(String target, Workload w, List<Client> clients) throws InterruptedException {
    int slots = settings.slots();
    String run = Long.toHexString(System.nanoTime());
    List<SlotOp> ops = new ArrayList<>();
    for (int s = 0; s < slots; s++) {
      ops.add(prepare(w, clients.get(s % clients.size()), s, run));
    }
    // a probe: one op per slot, before any clock runs; it fails fast when the service is missing
    for (SlotOp op : ops) {
      call(op);
    }
    AtomicLong all = new AtomicLong();
    long cpu0 = WatchFanOut.processCpuNanos();
    long start = System.nanoTime();
    long measureFrom = start + settings.warmup.toNanos();
    long end = measureFrom + settings.window.toNanos();
    Histogram total = new Histogram(MAX_MICROS, 3);
    AtomicLong count = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicReference<RuntimeException> fatal = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (SlotOp op : ops) {
      threads.add(new Thread(() -> {
        Histogram h = new Histogram(MAX_MICROS, 3);
        long n = 0;
        long done = 0;
        long now;
        while ((now = System.nanoTime()) < end) {
          try {
            call(op);
          } catch (RuntimeException e) {
            errors.incrementAndGet();
            if (isUnimplemented(e)) {
              fatal.set(e);
              return;
            }
            continue;
          }
          long answered = System.nanoTime();
          done++;
          if (now >= measureFrom && answered <= end) {
            h.recordValue(Math.min(MAX_MICROS, (answered - now) / 1000));
            n++;
          }
        }
        count.addAndGet(n);
        all.addAndGet(done);
        synchronized (total) {
          total.add(h);
        }
      }, "load-" + w.name().toLowerCase() + "-" + threads.size()));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    if (fatal.get() != null) {
      throw fatal.get();
    }
    // CPU of this JVM per operation (drivers and clients; with the fake or floor, the server too): less
    // sensitive than ops/s to what else runs on the machine
    System.out.printf("  %s %s: %.0f µs CPU of this JVM per op%n", w.label, target,
        (WatchFanOut.processCpuNanos() - cpu0) / 1e3 / Math.max(1, all.get()));
    return new LoadResult(target, w, count.get(), settings.window.toNanos() / 1e9, total, errors.get(), null);
  }

  private static void call(SlotOp op) {
    try {
      op.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  private SlotOp prepare(Workload w, Client c, int slot, String run) throws InterruptedException {
    ByteSequence value = bytes(new String(new char[settings.valueBytes]).replace('\0', 'v'));
    switch (w) {
      case PUT -> {
        return () -> c.getKVClient().put(bytes(String.format("bench/put/%05d", rnd(10_000))), value)
            .get(TIMEOUT_S, TimeUnit.SECONDS);
      }
      case RANGE -> {
        if (slot == 0) {
          for (int i = 0; i < 1000; i++) {
            join(c.getKVClient().put(bytes(String.format("bench/range/%04d", i)), value));
          }
        }
        // (a shared etcd may have lost the keys to someone else's cleanup: the read costs the same)
        return () -> c.getKVClient().get(bytes(String.format("bench/range/%04d", rnd(1000))))
            .get(TIMEOUT_S, TimeUnit.SECONDS);
      }
      case TXN -> {
        ByteSequence key = bytes("bench/txn/" + run + "/" + slot);
        long[] last = {0};
        return () -> {
          var r = c.getKVClient().txn()
              .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(last[0])))
              .Then(Op.put(key, value, PutOption.DEFAULT))
              .Else(Op.get(key, GetOption.DEFAULT))
              .commit().get(TIMEOUT_S, TimeUnit.SECONDS);
          last[0] = r.isSucceeded() ? r.getHeader().getRevision()
              : r.getGetResponses().get(0).getKvs().isEmpty() ? 0
              : r.getGetResponses().get(0).getKvs().get(0).getModRevision();
        };
      }
      case LEASE -> {
        return () -> {
          long id = c.getLeaseClient().grant(60).get(TIMEOUT_S, TimeUnit.SECONDS).getID();
          c.getLeaseClient().keepAliveOnce(id).get(TIMEOUT_S, TimeUnit.SECONDS);
          c.getLeaseClient().revoke(id).get(TIMEOUT_S, TimeUnit.SECONDS);
        };
      }
      case LOCK -> {
        // one lease per slot: slots sharing a lease would share the lock key and never contend
        long lease = join(c.getLeaseClient().grant(300)).getID();
        ByteSequence name = bytes("bench/lock/" + run);
        return () -> {
          ByteSequence key = c.getLockClient().lock(name, lease).get(TIMEOUT_S, TimeUnit.SECONDS).getKey();
          c.getLockClient().unlock(key).get(TIMEOUT_S, TimeUnit.SECONDS);
        };
      }
      default -> throw new IllegalArgumentException(w.name());
    }
  }

  static boolean isUnimplemented(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        return true;
      }
      if (t instanceof EtcdException ee && ee.getErrorCode() == ErrorCode.UNIMPLEMENTED) {
        return true;
      }
      // how jetcd words a missing service when it does not keep the status code
      if (String.valueOf(t.getMessage()).contains("UNIMPLEMENTED")
          || String.valueOf(t.getMessage()).startsWith("Method not found")) {
        return true;
      }
    }
    return false;
  }

  private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.get(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  private static int rnd(int bound) {
    return ThreadLocalRandom.current().nextInt(bound);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, UTF_8);
  }
}
