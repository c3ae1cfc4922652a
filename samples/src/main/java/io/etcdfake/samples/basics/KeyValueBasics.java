package io.etcdfake.samples.basics;

import static io.etcdfake.samples.recipes.Bytes.bytes;
import static io.etcdfake.samples.recipes.Bytes.string;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/** The first thing everyone does with etcd: write a key, list every key, delete them one by one. */
public final class KeyValueBasics {
  /** "All keys" in etcd is the range from "\0" to "\0" (what etcdctl's {@code get "" --prefix} sends). */
  private static final ByteSequence ALL = ByteSequence.from(new byte[] {0});

  private final KV kv;

  public KeyValueBasics(Client client) {
    this.kv = client.getKVClient();
  }

  public void put(String key, String value) throws InterruptedException, ExecutionException {
    kv.put(bytes(key), bytes(value)).get();
  }

  /** Every key in the store with its value, in key order. */
  public Map<String, String> getAll() throws InterruptedException, ExecutionException {
    Map<String, String> all = new LinkedHashMap<>();
    for (KeyValue kv : kv.get(ALL, GetOption.builder().withRange(ALL).build()).get().getKvs()) {
      all.put(string(kv.getKey()), string(kv.getValue()));
    }
    return all;
  }

  /** Deletes each key found by {@link #getAll()} with its own request; returns how many went. */
  public long deleteEach() throws InterruptedException, ExecutionException {
    long deleted = 0;
    for (String key : getAll().keySet()) {
      deleted += kv.delete(bytes(key)).get().getDeleted();
    }
    return deleted;
  }
}
