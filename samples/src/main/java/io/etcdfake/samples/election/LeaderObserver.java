package io.etcdfake.samples.election;

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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Follows who leads an election without taking part: keeps the candidates' keys from one read and
 * a watch that starts right after it; the leader is the candidate with the lowest create revision.
 * Records each new leader's value in order.
 */
public final class LeaderObserver implements AutoCloseable {
  private final Map<String, KeyValue> candidates = new HashMap<>();
  private final List<String> leaders = new ArrayList<>();
  private String leaderKey;
  private final Watch.Watcher watcher;

  private LeaderObserver(Client client, String prefix) throws InterruptedException, ExecutionException {
    GetResponse now = client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build()).get();
    synchronized (this) {
      now.getKvs().forEach(kv -> candidates.put(string(kv.getKey()), kv));
      recompute();
    }
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(now.getHeader().getRevision() + 1).build();
    watcher = client.getWatchClient().watch(bytes(prefix), option, this::apply);
  }

  public static LeaderObserver start(Client client, String prefix) throws InterruptedException, ExecutionException {
    return new LeaderObserver(client, prefix);
  }

  /** Every leader seen so far, oldest first (a value repeats only if that leader came back). */
  public synchronized List<String> leaders() {
    return List.copyOf(leaders);
  }

  /** Waits until the leaders seen match {@code condition}; returns them. */
  public synchronized List<String> await(Predicate<List<String>> condition, Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.test(leaders)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException("leaders seen " + leaders);
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return List.copyOf(leaders);
  }

  /** Waits until {@code count} candidates are campaigning (leader included). */
  public synchronized void awaitCandidates(int count, Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (candidates.size() != count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException(candidates.size() + " candidates, not " + count);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  private synchronized void apply(WatchResponse response) {
    for (WatchEvent e : response.getEvents()) {
      String key = string(e.getKeyValue().getKey());
      if (e.getEventType() == WatchEvent.EventType.DELETE) {
        candidates.remove(key);
      } else {
        candidates.put(key, e.getKeyValue());
      }
    }
    recompute();
    notifyAll();
  }

  private void recompute() {
    KeyValue leader = candidates.values().stream()
        .min(Comparator.comparingLong(KeyValue::getCreateRevision)).orElse(null);
    String key = leader == null ? null : string(leader.getKey());
    if (key != null && !key.equals(leaderKey)) {
      leaders.add(string(leader.getValue()));
    }
    leaderKey = key;
  }

  @Override
  public void close() {
    watcher.close();
  }
}
