package io.etcdfake.server.lease;

import com.google.protobuf.ByteString;
import io.etcdfake.server.errors.EtcdError;
import io.etcdfake.server.mvcc.LeaseIndex;
import io.etcdfake.server.mvcc.MvccStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * etcd's lessor: leases with a TTL and the keys attached to them. A lease that is revoked, or that
 * expires, deletes its keys through the store in one revision. Expiry is checked by one scheduled
 * task every 500 ms as etcd does, and at once whenever a {@link ManualClock} is advanced.
 *
 * <p>Locking: the store's writer lock is always taken before this object's monitor (the store calls
 * {@link #attach}/{@link #detach} holding it), never the other way round.
 */
public final class Lessor implements LeaseIndex {
  /** etcd's minimum TTL: ceil(1.5 × the default 1 s election timeout). */
  public static final long MIN_TTL_SECONDS = 2;

  /** etcd's MaxLeaseTTL. */
  public static final long MAX_TTL_SECONDS = 9_000_000_000L;

  /** etcd checks for expired leases this often. */
  public static final long EXPIRY_CHECK_MILLIS = 500;

  private static final Logger LOG = Logger.getLogger(Lessor.class.getName());
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  /** A granted lease: its id and effective TTL in seconds. */
  public record Grant(long id, long ttl) {}

  /** LeaseTimeToLive's answer: remaining seconds truncated (-1 for an unknown lease), granted TTL, keys in key order. */
  public record TimeToLive(long id, long ttl, long grantedTtl, List<ByteString> keys) {}

  private static final class Lease {
    final long id;
    final long ttl;
    long expiry;
    final Set<ByteString> keys = new HashSet<>();

    Lease(long id, long ttl) {
      this.id = id;
      this.ttl = ttl;
    }
  }

  private final MvccStore store;
  private final Clock clock;
  private final IdGenerator ids;
  private final Map<Long, Lease> leases = new HashMap<>();
  private ScheduledExecutorService expiryChecks;

  public Lessor(MvccStore store, Clock clock, long memberId) {
    this.store = store;
    this.clock = clock;
    this.ids = new IdGenerator(memberId, System.currentTimeMillis());
    clock.onAdvance(this::revokeExpired);
  }

  public Clock clock() {
    return clock;
  }

  /**
   * Grants a lease of {@code ttl} seconds (raised to {@link #MIN_TTL_SECONDS}); {@code id} 0 lets
   * the lessor choose a positive id as etcd does (member-prefixed).
   */
  public Grant grant(long id, long ttl) {
    // under a NOSPACE alarm etcd's capped applier refuses every grant, before looking at it
    if (store.noSpace()) {
      throw EtcdError.NO_SPACE.exception();
    }
    if (ttl > MAX_TTL_SECONDS) {
      throw EtcdError.LEASE_TTL_TOO_LARGE.exception();
    }
    synchronized (this) {
      long chosen = id;
      while (chosen == 0 || (id == 0 && leases.containsKey(chosen))) {
        chosen = ids.next();
      }
      if (leases.containsKey(chosen)) {
        throw EtcdError.LEASE_EXISTS.exception();
      }
      Lease l = new Lease(chosen, Math.max(ttl, MIN_TTL_SECONDS));
      refresh(l);
      leases.put(chosen, l);
      return new Grant(l.id, l.ttl);
    }
  }

  /** Revokes the lease, deleting its keys in one revision; answers the revision after the deletes. */
  public long revoke(long id) {
    Long revision = store.atomically(() -> {
      List<ByteString> keys;
      synchronized (this) {
        Lease l = leases.remove(id);
        if (l == null) {
          return null;
        }
        keys = new ArrayList<>(l.keys);
      }
      return store.deleteKeys(keys);
    });
    if (revision == null) {
      throw EtcdError.LEASE_NOT_FOUND.exception();
    }
    return revision;
  }

  /**
   * Renews the lease for its granted TTL and answers that TTL; 0 for an unknown lease, or an expired
   * one (which is revoked first, as etcd waits for its revoke).
   */
  public long keepAlive(long id) {
    synchronized (this) {
      Lease l = leases.get(id);
      if (l == null) {
        return 0;
      }
      if (!isExpired(l)) {
        refresh(l);
        return l.ttl;
      }
    }
    revokeIfExpired(id);
    return 0;
  }

  /** The remaining and granted TTL and the keys; TTL -1 for an unknown (or just expired) lease. */
  public TimeToLive timeToLive(long id) {
    synchronized (this) {
      Lease l = leases.get(id);
      if (l != null && !isExpired(l)) {
        long remaining = (l.expiry - clock.nanos()) / NANOS_PER_SECOND; // truncated, as Go's int64(d.Seconds())
        return new TimeToLive(id, remaining, l.ttl, sorted(l.keys));
      }
      if (l == null) {
        return new TimeToLive(id, -1, 0, List.of());
      }
    }
    revokeIfExpired(id);
    return new TimeToLive(id, -1, 0, List.of());
  }

  /** The ids of all leases, soonest to expire first. */
  public synchronized List<Long> leases() {
    return leases.values().stream()
        .sorted(Comparator.<Lease>comparingLong(l -> l.expiry).thenComparingLong(l -> l.id))
        .map(l -> l.id)
        .toList();
  }

  /** The keys attached to the lease, in key order; empty for an unknown lease. */
  public synchronized List<ByteString> keysOf(long id) {
    Lease l = leases.get(id);
    return l == null ? List.of() : sorted(l.keys);
  }

  @Override
  public synchronized boolean exists(long leaseId) {
    return leases.containsKey(leaseId);
  }

  @Override
  public synchronized void attach(long leaseId, ByteString key) {
    Lease l = leases.get(leaseId);
    if (l != null) {
      l.keys.add(key);
    }
  }

  @Override
  public synchronized void detach(long leaseId, ByteString key) {
    Lease l = leases.get(leaseId);
    if (l != null) {
      l.keys.remove(key);
    }
  }

  /** Revokes every lease whose deadline has passed, soonest first, each in its own revision. */
  public void revokeExpired() {
    List<Long> due;
    synchronized (this) {
      due = leases.values().stream()
          .filter(this::isExpired)
          .sorted(Comparator.<Lease>comparingLong(l -> l.expiry).thenComparingLong(l -> l.id))
          .map(l -> l.id)
          .toList();
    }
    for (long id : due) {
      revokeIfExpired(id);
    }
  }

  /** Every lease's id and granted TTL, by id: what a snapshot keeps of the lessor. */
  public synchronized List<Grant> grants() {
    return leases.values().stream().map(l -> new Grant(l.id, l.ttl)).sorted(Comparator.comparingLong(Grant::id)).toList();
  }

  /**
   * Replaces every lease with a snapshot's, each with its full TTL from now (as etcd's lessor does when
   * it recovers leases and its member becomes leader), attached to {@code keysByLease}: the live keys
   * of the restored store that name each lease.
   */
  public synchronized void restore(List<Grant> grants, Map<Long, List<ByteString>> keysByLease) {
    leases.clear();
    for (Grant g : grants) {
      Lease l = new Lease(g.id(), g.ttl());
      refresh(l);
      l.keys.addAll(keysByLease.getOrDefault(g.id(), List.of()));
      leases.put(l.id, l);
    }
  }

  /** Drops every lease without touching the store (the caller resets the store too). */
  public synchronized void reset() {
    leases.clear();
  }

  /** Starts the one task that checks for expired leases every 500 ms. */
  public synchronized void startExpiryChecks() {
    if (expiryChecks != null) {
      return;
    }
    expiryChecks = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "etcd-fake-lessor");
      t.setDaemon(true);
      return t;
    });
    expiryChecks.scheduleWithFixedDelay(() -> {
      try {
        revokeExpired();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "revoking expired leases failed", e);
      }
    }, EXPIRY_CHECK_MILLIS, EXPIRY_CHECK_MILLIS, TimeUnit.MILLISECONDS);
  }

  public synchronized void stopExpiryChecks() {
    if (expiryChecks != null) {
      expiryChecks.shutdownNow();
      expiryChecks = null;
    }
  }

  private void revokeIfExpired(long id) {
    store.atomically(() -> {
      List<ByteString> keys;
      synchronized (this) {
        Lease l = leases.get(id);
        if (l == null || !isExpired(l)) {
          return null;
        }
        leases.remove(id);
        keys = new ArrayList<>(l.keys);
      }
      return store.deleteKeys(keys);
    });
  }

  private boolean isExpired(Lease l) {
    return clock.nanos() >= l.expiry;
  }

  private void refresh(Lease l) {
    long now = clock.nanos();
    long ttlNanos = l.ttl > Long.MAX_VALUE / NANOS_PER_SECOND ? Long.MAX_VALUE : l.ttl * NANOS_PER_SECOND;
    long expiry = now + ttlNanos;
    l.expiry = ((now ^ expiry) & (ttlNanos ^ expiry)) < 0 ? Long.MAX_VALUE : expiry; // saturate on overflow
  }

  private static List<ByteString> sorted(Set<ByteString> keys) {
    List<ByteString> out = new ArrayList<>(keys);
    out.sort(ByteString.unsignedLexicographicalComparator());
    return out;
  }

  /**
   * etcd's request id generator, which also names leases granted without an id: the member id's
   * low 16 bits, then 40 bits of the start time in milliseconds, then a counter; the sign bit cleared.
   */
  private static final class IdGenerator {
    private final long prefix;
    private final AtomicLong suffix;

    IdGenerator(long memberId, long startMillis) {
      this.prefix = (memberId & 0xffffL) << 48;
      this.suffix = new AtomicLong((startMillis & ((1L << 40) - 1)) << 8);
    }

    long next() {
      return (prefix | (suffix.incrementAndGet() & ((1L << 48) - 1))) & Long.MAX_VALUE;
    }
  }
}
