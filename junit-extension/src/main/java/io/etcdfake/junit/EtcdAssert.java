package io.etcdfake.junit;

import io.etcd.jetcd.KeyValue;
import java.util.List;
import org.assertj.core.api.AbstractAssert;

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
