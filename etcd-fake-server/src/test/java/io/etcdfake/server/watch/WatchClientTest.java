package io.etcdfake.server.watch;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.etcdfake.server.EtcdFakeServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Watch service through jetcd's Watch client, as applications use it. */
class WatchClientTest {
  /** writes of the many-watchers test: the 10,000 (~45 s on 2 cores); -Detcdfake.watch.stress.ops=N to change */
  private static final int OPS = Integer.getInteger("etcdfake.watch.stress.ops", 10_000);
  private static EtcdFakeServer server;
  private static Client client;

  @BeforeAll
  static void start() throws Exception {
    server = EtcdFakeServer.builder().build().start();
    client = Client.builder().endpoints(server.clientEndpoints()).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  private static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  /** One watcher's responses, and a wait for a revision. */
  static final class Seen implements Watch.Listener {
    final List<WatchResponse> responses = new ArrayList<>();
    final CompletableFuture<Throwable> error = new CompletableFuture<>();
    private long lastRevision;

    @Override
    public synchronized void onNext(WatchResponse r) {
      responses.add(r);
      for (WatchEvent e : r.getEvents()) {
        lastRevision = Math.max(lastRevision, e.getKeyValue().getModRevision());
      }
      notifyAll();
    }

    @Override
    public void onError(Throwable t) {
      error.complete(t);
    }

    @Override
    public void onCompleted() {}

    synchronized void awaitRevision(long revision) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (lastRevision < revision) {
        long left = deadline - System.nanoTime();
        assertThat(left).as("waiting for revision %d, at %d", revision, lastRevision).isPositive();
        wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
      }
    }
  }

  @Test
  void aHundredWatchersSeeEveryRevisionOnceInOrderWhileEightWritersWrite() throws Exception {
    KV kv = client.getKVClient();
    ByteSequence prefix = b("stress/");
    long start = kv.put(b("stress-start"), b("x")).get().getHeader().getRevision();
    List<Seen> seen = new ArrayList<>();
    List<Watch.Watcher> watchers = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Seen s = new Seen();
      seen.add(s);
      watchers.add(client.getWatchClient().watch(prefix,
          WatchOption.builder().isPrefix(true).withRevision(start + 1).build(), s));
    }
    // what each revision changed, from the writers' own answers: revision -> events
    Map<Long, Integer> expected = new TreeMap<>();
    ExecutorService writers = Executors.newFixedThreadPool(8);
    List<Future<Map<Long, Integer>>> done = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      done.add(writers.submit(() -> {
        Map<Long, Integer> mine = new TreeMap<>();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int i = 0; i < OPS / 8; i++) {
          ByteSequence key = b("stress/" + rnd.nextInt(50));
          switch (rnd.nextInt(3)) {
            case 0 -> mine.put(kv.put(key, b("v" + i)).get().getHeader().getRevision(), 1);
            case 1 -> {
              var d = kv.delete(key).get();
              if (d.getDeleted() > 0) {
                mine.put(d.getHeader().getRevision(), (int) d.getDeleted());
              }
            }
            default -> {
              ByteSequence other = b("stress/" + rnd.nextInt(50, 60));
              var t = kv.txn().Then(Op.put(key, b("t" + i), PutOption.DEFAULT),
                  Op.put(other, b("t" + i), PutOption.DEFAULT)).commit().get();
              mine.put(t.getHeader().getRevision(), 2);
            }
          }
        }
        return mine;
      }));
    }
    for (Future<Map<Long, Integer>> f : done) {
      expected.putAll(f.get(120, TimeUnit.SECONDS));
    }
    writers.shutdown();
    long last = ((TreeMap<Long, Integer>) expected).lastKey();
    for (Seen s : seen) {
      s.awaitRevision(last);
    }
    for (Seen s : seen) {
      Map<Long, Integer> got = new TreeMap<>();
      long previousResponseEnd = 0;
      synchronized (s) {
        for (WatchResponse r : s.responses) {
          List<WatchEvent> events = r.getEvents();
          // every event of one revision in one response, revisions only growing
          assertThat(events.get(0).getKeyValue().getModRevision()).isGreaterThan(previousResponseEnd);
          long prev = 0;
          for (WatchEvent e : events) {
            long rev = e.getKeyValue().getModRevision();
            assertThat(rev).isGreaterThanOrEqualTo(prev);
            prev = rev;
            got.merge(rev, 1, Integer::sum);
          }
          previousResponseEnd = prev;
        }
      }
      assertThat(got).isEqualTo(expected);
    }
    watchers.forEach(Watch.Watcher::close);
  }

  @Test
  void aTxnArrivesAsOneResponseWithPrevKvAndDeletesCarryOnlyKeyAndRevision() throws Exception {
    KV kv = client.getKVClient();
    kv.put(b("txn/a"), b("old")).get();
    long before = kv.put(b("txn/c"), b("gone")).get().getHeader().getRevision();
    Seen s = new Seen();
    // jetcd creates the watch asynchronously: a start revision makes the test independent of when
    try (Watch.Watcher w = client.getWatchClient().watch(b("txn/"),
        WatchOption.builder().isPrefix(true).withPrevKV(true).withRevision(before + 1).build(), s)) {
      long rev = kv.txn().Then(Op.put(b("txn/a"), b("new"), PutOption.DEFAULT),
          Op.put(b("txn/b"), b("1"), PutOption.DEFAULT),
          Op.delete(b("txn/c"), DeleteOption.DEFAULT)).commit().get().getHeader().getRevision();
      s.awaitRevision(rev);
      List<WatchEvent> events = s.responses.get(s.responses.size() - 1).getEvents();
      assertThat(events).extracting(WatchEvent::getEventType).containsExactly(
          WatchEvent.EventType.PUT, WatchEvent.EventType.PUT, WatchEvent.EventType.DELETE);
      assertThat(events.get(0).getPrevKV().getValue()).isEqualTo(b("old"));
      assertThat(events.get(1).getPrevKV().getKey().isEmpty()).isTrue();
      assertThat(events.get(2).getPrevKV().getValue()).isEqualTo(b("gone"));
      assertThat(events.get(2).getKeyValue().getValue().isEmpty()).isTrue();
      assertThat(events.get(2).getKeyValue().getCreateRevision()).isZero();
      assertThat(events.get(2).getKeyValue().getModRevision()).isEqualTo(rev);
    }
  }

  @Test
  void aWatchBelowTheCompactRevisionFailsWithCompacted() throws Exception {
    KV kv = client.getKVClient();
    long first = kv.put(b("compacted/k"), b("1")).get().getHeader().getRevision();
    long second = kv.put(b("compacted/k"), b("2")).get().getHeader().getRevision();
    kv.compact(second).get();
    Seen s = new Seen();
    client.getWatchClient().watch(b("compacted/k"), WatchOption.builder().withRevision(first).build(), s);
    Throwable t = s.error.get(30, TimeUnit.SECONDS);
    assertThat(t).isInstanceOf(CompactedException.class);
    assertThat(((CompactedException) t).getCompactedRevision()).isEqualTo(second);
  }

  @Test
  void aWatcherFromAnOldRevisionCatchesUpThenFollowsLiveWrites() throws Exception {
    KV kv = client.getKVClient();
    long first = 0;
    for (int i = 0; i < 1500; i++) {
      long r = kv.put(b("history/k"), b("v" + i)).get().getHeader().getRevision();
      first = first == 0 ? r : first;
    }
    Seen s = new Seen();
    try (Watch.Watcher w = client.getWatchClient().watch(b("history/k"),
        WatchOption.builder().withRevision(first).build(), s)) {
      long live = kv.put(b("history/k"), b("live")).get().getHeader().getRevision();
      s.awaitRevision(live);
      AtomicLong expect = new AtomicLong(first);
      synchronized (s) {
        s.responses.forEach(r -> r.getEvents().forEach(e ->
            assertThat(e.getKeyValue().getModRevision()).isEqualTo(expect.getAndIncrement())));
      }
      assertThat(expect.get()).isEqualTo(live + 1);
    }
  }
}
