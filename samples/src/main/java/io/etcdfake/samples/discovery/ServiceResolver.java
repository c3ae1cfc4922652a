package io.etcdfake.samples.discovery;

import static io.etcdfake.samples.recipes.Bytes.bytes;
import static io.etcdfake.samples.recipes.Bytes.string;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The live instances of one service: read once, then kept current by a watch on the prefix that
 * starts right after the read's revision, so no registration or expiry in between is missed.
 */
public final class ServiceResolver implements AutoCloseable {
  private final String prefix;
  private final Map<String, String> instances = new TreeMap<>();
  private final Watch.Watcher watcher;

  private ServiceResolver(Client client, String service) throws InterruptedException, ExecutionException {
    this.prefix = ServiceRegistry.ROOT + service + "/";
    GetResponse now = client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()).get();
    for (KeyValue kv : now.getKvs()) {
      instances.put(idOf(kv), string(kv.getValue()));
    }
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(now.getHeader().getRevision() + 1).build();
    this.watcher = client.getWatchClient().watch(bytes(prefix), option, this::apply);
  }

  public static ServiceResolver start(Client client, String service) throws InterruptedException, ExecutionException {
    return new ServiceResolver(client, service);
  }

  /** Instance id to address, as last seen. */
  public synchronized Map<String, String> instances() {
    return Map.copyOf(instances);
  }

  /** Waits until the instances match {@code condition}; returns them. */
  public synchronized Map<String, String> await(Predicate<Map<String, String>> condition, Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.test(instances)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException("instances still " + instances);
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return Map.copyOf(instances);
  }

  private synchronized void apply(WatchResponse response) {
    for (WatchEvent e : response.getEvents()) {
      if (e.getEventType() == WatchEvent.EventType.PUT) {
        instances.put(idOf(e.getKeyValue()), string(e.getKeyValue().getValue()));
      } else if (e.getEventType() == WatchEvent.EventType.DELETE) {
        instances.remove(idOf(e.getKeyValue()));
      }
    }
    notifyAll();
  }

  private String idOf(KeyValue kv) {
    return string(kv.getKey()).substring(prefix.length());
  }

  @Override
  public void close() {
    watcher.close();
  }
}
