package io.etcdfake.junit;

import io.etcd.jetcd.KeyValue;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.AbstractAssert;
import org.junit.jupiter.api.Assumptions;

/** Assertions on the keys of an etcd; made by {@link EtcdAssertions#assertThat}. */
public final class EtcdAssert extends AbstractAssert<EtcdAssert, KeySource> {
  /** How many keys a failure message lists. */
  private static final int SHOWN = 10;

  EtcdAssert(KeySource source) {
    super(source, EtcdAssert.class);
  }

  /** The key exists; continue with assertions on its value, version, revisions and lease. */
  public KeyValueAssert hasKey(String key) {
    isNotNull();
    KeyValue kv = actual.get(key);
    if (kv == null) {
      failWithMessage("%nExpecting %s to have key:%n  \"%s\"%nbut it does not; %s", actual.describe(), key, present(""));
    }
    return new KeyValueAssert(this, key, kv);
  }

  public EtcdAssert doesNotHaveKey(String key) {
    isNotNull();
    KeyValue kv = actual.get(key);
    if (kv != null) {
      failWithMessage("%nExpecting %s not to have key:%n  \"%s\"%nbut it has it, with value \"%s\" (version %s, mod revision %s)",
          actual.describe(), key, KeyValueAssert.text(kv), kv.getVersion(), kv.getModRevision());
    }
    return this;
  }

  /** Exactly {@code count} live keys start with {@code prefix} ("" for all keys). */
  public EtcdAssert hasKeyCount(String prefix, long count) {
    isNotNull();
    long n = actual.count(prefix);
    if (n != count) {
      failWithMessage("%nExpecting %s to have %s key(s) with prefix \"%s\"%nbut it has %s; %s",
          actual.describe(), count, prefix, n, present(prefix));
    }
    return this;
  }

  /** No live key at all. */
  public EtcdAssert hasNoKeys() {
    isNotNull();
    long n = actual.count("");
    if (n != 0) {
      failWithMessage("%nExpecting %s to have no keys%nbut it has %s; %s", actual.describe(), n, present(""));
    }
    return this;
  }

  /** The store's current revision (the header revision of a read). */
  public EtcdAssert hasRevision(long revision) {
    isNotNull();
    long r = actual.revision();
    if (r != revision) {
      failWithMessage("%nExpecting %s to be at revision %s%nbut it is at revision %s", actual.describe(), revision, r);
    }
    return this;
  }

  /** The lease exists (granted, not revoked nor expired); continue with its TTL and keys. */
  public LeaseAssert hasLease(long id) {
    isNotNull();
    KeySource.LeaseState lease = actual.lease(id);
    if (lease == null) {
      failWithMessage("%nExpecting %s to have lease %s (%s)%nbut it does not: it was never granted, or was revoked or expired",
          actual.describe(), id, hex(id));
    }
    return new LeaseAssert(this, lease);
  }

  public EtcdAssert doesNotHaveLease(long id) {
    isNotNull();
    KeySource.LeaseState lease = actual.lease(id);
    if (lease != null) {
      failWithMessage("%nExpecting %s not to have lease %s (%s)%nbut it has it: granted TTL %ss, %ss left, keys %s",
          actual.describe(), id, hex(id), lease.grantedTtl(), lease.remainingTtl(), lease.keys());
    }
    return this;
  }

  /** Exactly this many leases exist. Only the fake can be asked (a client is skipped). */
  public EtcdAssert hasLeaseCount(int count) {
    isNotNull();
    int n = known(actual.leaseCount(), "hasLeaseCount");
    if (n != count) {
      failWithMessage("%nExpecting %s to have %s lease(s)%nbut it has %s", actual.describe(), count, n);
    }
    return this;
  }

  /**
   * Exactly this many watchers are open. A client's watch request reaches the server a moment after
   * {@code watch()} returns, so this waits (up to 30 s) for the count before failing. Only the fake
   * can be asked (a client is skipped).
   */
  public EtcdAssert hasWatcherCount(int count) {
    isNotNull();
    int n = known(actual.watcherCount(), "hasWatcherCount");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (n != count && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      n = actual.watcherCount();
    }
    if (n != count) {
      failWithMessage("%nExpecting %s to have %s watcher(s)%nbut it has %s", actual.describe(), count, n);
    }
    return this;
  }

  public EtcdAssert hasNoWatchers() {
    return hasWatcherCount(0);
  }

  private static int known(int n, String what) {
    if (n < 0) {
      Assumptions.abort(what + " needs etcd-fake (assertThat(server)): no etcd client can read it");
    }
    return n;
  }

  static String hex(long id) {
    return "0x" + Long.toHexString(id);
  }

  private String present(String prefix) {
    List<String> keys = actual.keys(prefix, SHOWN + 1);
    if (keys.isEmpty()) {
      return prefix.isEmpty() ? "it has no keys at all" : "no key has that prefix";
    }
    String list = keys.subList(0, Math.min(SHOWN, keys.size())).toString();
    return (prefix.isEmpty() ? "keys present: " : "keys with the prefix: ") + list
        + (keys.size() > SHOWN ? " and more" : "");
  }
}
