package io.etcdfake.server.faults;

import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.lock.LockGrpc;

import io.grpc.MethodDescriptor;
import io.grpc.ServerInterceptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test powers real etcd lacks: make calls fail or slow, and cut open streams, as a flaky network or
 * a leader change would. Applied by one interceptor in front of every service of the server, so
 * what a client sees is a real gRPC failure on the wire.
 *
 * <p>RPCs are named the way gRPC names them: {@code "etcdserverpb.KV/Put"}; the package may be
 * left out ({@code "KV/Put"}), and a service alone ({@code "KV"}) names all its methods. Names that
 * are no etcd RPC are refused, so a typo fails loudly instead of never matching.
 *
 * <p>Thread-safe; faults last until used up or {@link #clear()}ed, across {@code restart}s.
 */
public final class Faults {
  private static final List<ServiceDescriptor> ETCD_SERVICES = List.of(
      KVGrpc.getServiceDescriptor(), WatchGrpc.getServiceDescriptor(), LeaseGrpc.getServiceDescriptor(),
      ClusterGrpc.getServiceDescriptor(), MaintenanceGrpc.getServiceDescriptor(), AuthGrpc.getServiceDescriptor(),
      LockGrpc.getServiceDescriptor(), ElectionGrpc.getServiceDescriptor());

  /** A failure armed for the next {@code remaining} matching calls. */
  private static final class Failure {
    final Set<String> methods;
    final Status status;
    int remaining;

    Failure(Set<String> methods, Status status, int remaining) {
      this.methods = methods;
      this.status = status;
      this.remaining = remaining;
    }
  }

  private final List<Failure> failures = new ArrayList<>();
  /** failures.size(), readable without the lock: every call asks, and almost always none is armed */
  private volatile int armed;
  private final Map<String, Duration> delays = new ConcurrentHashMap<>();
  private volatile Duration delayAll = Duration.ZERO;
  private final FaultInterceptor interceptor = new FaultInterceptor(this);

  /**
   * Fails the next {@code times} calls of {@code rpc} with {@code status} before they reach etcd's
   * logic (nothing is written). E.g. {@code failNext("KV/Put", 2, Status.UNAVAILABLE)}.
   */
  public Faults failNext(String rpc, int times, Status status) {
    Objects.requireNonNull(status, "status");
    if (times < 1) {
      throw new IllegalArgumentException("times must be at least 1: " + times);
    }
    if (status.isOk()) {
      throw new IllegalArgumentException("a failure needs a non-OK status");
    }
    Set<String> methods = resolve(rpc);
    synchronized (failures) {
      failures.add(new Failure(methods, status, times));
      armed = failures.size();
    }
    return this;
  }

  /** As {@link #failNext(String, int, Status)}, naming the RPC by its descriptor, e.g. {@code KVGrpc.getPutMethod()}. */
  public Faults failNext(MethodDescriptor<?, ?> rpc, int times, Status status) {
    return failNext(rpc.getFullMethodName(), times, status);
  }

  /** Every call of {@code rpc} waits {@code latency} before etcd's logic sees it, until cleared. */
  public Faults delay(String rpc, Duration latency) {
    checkLatency(latency);
    for (String m : resolve(rpc)) {
      delays.put(m, latency);
    }
    return this;
  }

  /** Every call of every RPC waits {@code latency} first, until cleared. */
  public Faults delayAll(Duration latency) {
    checkLatency(latency);
    delayAll = latency;
    return this;
  }

  /**
   * Ends every open streaming call (watches, lease keep-alives, ...) with UNAVAILABLE, as a lost
   * connection would; clients see the error and reconnect as they do in production. Returns how
   * many streams were cut.
   */
  public int dropStreams() {
    return dropStreams(Status.UNAVAILABLE.withDescription("etcd-fake: stream dropped by the test"));
  }

  /** As {@link #dropStreams()}, ending them with this status. */
  public int dropStreams(Status status) {
    if (status.isOk()) {
      throw new IllegalArgumentException("a dropped stream ends with a non-OK status");
    }
    return interceptor.dropStreams(status);
  }

  /** How many streaming calls are open now. */
  public int openStreams() {
    return interceptor.openStreams();
  }

  /** Disarms every failure and latency; calls waiting out a latency go on at once. */
  public void clear() {
    synchronized (failures) {
      failures.clear();
      armed = 0;
    }
    delays.clear();
    delayAll = Duration.ZERO;
    interceptor.releaseDelayed();
  }

  /** The interceptor the server installs in front of all its services. */
  public ServerInterceptor interceptor() {
    return interceptor;
  }

  /** The status to fail this call with, or null; counts the call against its failure. */
  Status takeFailure(String fullMethod) {
    if (armed == 0) {
      return null;
    }
    synchronized (failures) {
      for (int i = 0; i < failures.size(); i++) {
        Failure f = failures.get(i);
        if (f.methods.contains(fullMethod)) {
          if (--f.remaining == 0) {
            failures.remove(i);
            armed = failures.size();
          }
          return f.status;
        }
      }
    }
    return null;
  }

  Duration latencyOf(String fullMethod) {
    Duration d = delays.getOrDefault(fullMethod, Duration.ZERO);
    Duration all = delayAll;
    return all.compareTo(d) > 0 ? all : d;
  }

  private static void checkLatency(Duration latency) {
    if (latency.isNegative()) {
      throw new IllegalArgumentException("latency must not be negative: " + latency);
    }
  }

  /** The full method names {@code rpc} stands for. */
  static Set<String> resolve(String rpc) {
    Objects.requireNonNull(rpc, "rpc");
    Set<String> out = new TreeSet<>();
    Set<String> known = new TreeSet<>();
    for (ServiceDescriptor s : ETCD_SERVICES) {
      String service = s.getName();
      String shortService = service.substring(service.lastIndexOf('.') + 1);
      for (MethodDescriptor<?, ?> m : s.getMethods()) {
        String full = m.getFullMethodName();
        String bare = m.getBareMethodName();
        known.add(full);
        if (rpc.equals(full) || rpc.equals(shortService + "/" + bare) || rpc.equals(service) || rpc.equals(shortService)) {
          out.add(full);
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no etcd RPC is named '" + rpc + "'; known: " + known);
    }
    return out;
  }
}
