package io.etcdfake.samples.config;

import static io.etcdfake.samples.recipes.Bytes.bytes;
import static io.etcdfake.samples.recipes.Bytes.string;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A service's configuration under a prefix (e.g. {@code /config/orders/}): read at start, reloaded
 * through a watch that begins right after the read, and changed by compare-and-swap on the key's
 * mod revision, so a concurrent writer's change is never overwritten unseen.
 */
public final class ConfigCentre implements AutoCloseable {
  private final Client client;
  private final String prefix;
  private final Map<String, String> keys = new HashMap<>();
  private AppConfig current;
  private final Watch.Watcher watcher;

  private ConfigCentre(Client client, String prefix) throws InterruptedException, ExecutionException {
    this.client = client;
    this.prefix = prefix;
    GetResponse now = client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()).get();
    for (KeyValue kv : now.getKvs()) {
      keys.put(relative(kv.getKey()), string(kv.getValue()));
    }
    current = AppConfig.from(keys);
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(now.getHeader().getRevision() + 1).build();
    watcher = client.getWatchClient().watch(bytes(prefix), option, this::reload);
  }

  public static ConfigCentre start(Client client, String prefix) throws InterruptedException, ExecutionException {
    return new ConfigCentre(client, prefix);
  }

  public synchronized AppConfig current() {
    return current;
  }

  /** Waits until the live config matches {@code condition}; returns it. */
  public synchronized AppConfig await(Predicate<AppConfig> condition, Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.test(current)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException("config still " + current);
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return current;
  }

  /**
   * Writes {@code value} only if the key's mod revision is still {@code expectedModRevision}
   * (0: the key must not exist). False means someone changed it first: read again and retry.
   */
  public boolean compareAndSet(String key, long expectedModRevision, String value)
      throws InterruptedException, ExecutionException {
    ByteSequence k = bytes(prefix + key);
    return client.getKVClient().txn()
        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision)))
        .Then(Op.put(k, bytes(value), PutOption.DEFAULT))
        .commit().get().isSucceeded();
  }

  /**
   * Read-modify-write that loses no concurrent change: reads the value (null if absent) and its mod
   * revision, and retries {@code change} on a fresh read whenever the compare-and-set fails.
   */
  public String update(String key, UnaryOperator<String> change) throws InterruptedException, ExecutionException {
    while (true) {
      GetResponse r = client.getKVClient().get(bytes(prefix + key)).get();
      KeyValue kv = r.getKvs().isEmpty() ? null : r.getKvs().get(0);
      String next = change.apply(kv == null ? null : string(kv.getValue()));
      if (compareAndSet(key, kv == null ? 0 : kv.getModRevision(), next)) {
        return next;
      }
    }
  }

  private synchronized void reload(WatchResponse response) {
    for (WatchEvent e : response.getEvents()) {
      String key = relative(e.getKeyValue().getKey());
      if (e.getEventType() == WatchEvent.EventType.DELETE) {
        keys.remove(key);
      } else {
        keys.put(key, string(e.getKeyValue().getValue()));
      }
    }
    try {
      current = AppConfig.from(keys);
    } catch (NumberFormatException bad) {
      // a malformed value keeps the last good config rather than breaking the service
    }
    notifyAll();
  }

  private String relative(ByteSequence key) {
    return string(key).substring(prefix.length());
  }

  @Override
  public void close() {
    watcher.close();
  }
}
