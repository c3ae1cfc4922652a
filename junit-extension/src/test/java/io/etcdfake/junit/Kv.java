package io.etcdfake.junit;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Blocking jetcd calls for the tests. */
final class Kv {
  private Kv() {}

  static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static long put(Client c, String key, String value) throws Exception {
    return c.getKVClient().put(bs(key), bs(value)).get(30, TimeUnit.SECONDS).getHeader().getRevision();
  }

  /** The value of a key, or null. */
  static String get(Client c, String key) throws Exception {
    List<KeyValue> kvs = c.getKVClient().get(bs(key)).get(30, TimeUnit.SECONDS).getKvs();
    return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
  }

  static KeyValue kv(Client c, String key) throws Exception {
    List<KeyValue> kvs = c.getKVClient().get(bs(key)).get(30, TimeUnit.SECONDS).getKvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }
}
