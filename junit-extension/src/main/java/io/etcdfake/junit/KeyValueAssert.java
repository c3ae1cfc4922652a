package io.etcdfake.junit;

import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import org.assertj.core.api.AbstractAssert;

/** Assertions on one live key; {@link #and()} goes back to the whole store. */
public final class KeyValueAssert extends AbstractAssert<KeyValueAssert, KeyValue> {
  private final EtcdAssert store;
  private final String key;

  KeyValueAssert(EtcdAssert store, String key, KeyValue kv) {
    super(kv, KeyValueAssert.class);
    this.store = store;
    this.key = key;
  }

  public KeyValueAssert withValue(String value) {
    String v = text(actual);
    if (!v.equals(value)) {
      mismatch("value", "\"" + value + "\"", "\"" + v + "\"");
    }
    return this;
  }

  public KeyValueAssert withValue(byte[] value) {
    byte[] v = actual.getValue().getBytes();
    if (!java.util.Arrays.equals(v, value)) {
      mismatch("value", java.util.Arrays.toString(value), java.util.Arrays.toString(v));
    }
    return this;
  }

  /** etcd's version: 1 after the create, one more for each put since. */
  public KeyValueAssert withVersion(long version) {
    if (actual.getVersion() != version) {
      mismatch("version", version, actual.getVersion());
    }
    return this;
  }

  public KeyValueAssert withCreateRevision(long revision) {
    if (actual.getCreateRevision() != revision) {
      mismatch("create revision", revision, actual.getCreateRevision());
    }
    return this;
  }

  public KeyValueAssert withModRevision(long revision) {
    if (actual.getModRevision() != revision) {
      mismatch("mod revision", revision, actual.getModRevision());
    }
    return this;
  }

  /** Attached to this lease (its id). */
  public KeyValueAssert withLease(long leaseId) {
    if (actual.getLease() != leaseId) {
      mismatch("lease", leaseId == 0 ? "no lease" : Long.toString(leaseId),
          actual.getLease() == 0 ? "no lease" : Long.toString(actual.getLease()));
    }
    return this;
  }

  public KeyValueAssert withoutLease() {
    return withLease(0);
  }

  /** Back to the store, for the next key. */
  public EtcdAssert and() {
    return store;
  }

  private void mismatch(String what, Object expected, Object was) {
    failWithMessage("%nExpecting key \"%s\" to have %s:%n  %s%nbut was:%n  %s%n(%s)", key, what, expected, was, summary(actual));
  }

  static String text(KeyValue kv) {
    return kv.getValue().toString(StandardCharsets.UTF_8);
  }

  private static String summary(KeyValue kv) {
    return "value \"" + text(kv) + "\", version " + kv.getVersion() + ", create revision " + kv.getCreateRevision()
        + ", mod revision " + kv.getModRevision() + (kv.getLease() == 0 ? ", no lease" : ", lease " + kv.getLease());
  }
}
