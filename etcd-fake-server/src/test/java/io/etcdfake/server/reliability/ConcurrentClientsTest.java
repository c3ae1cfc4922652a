package io.etcdfake.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcdfake.server.EtcdFakeServer;
import io.etcdfake.server.reliability.KvModel.Input;
import io.etcdfake.server.reliability.KvModel.Output;
import io.etcdfake.server.reliability.KvModel.State;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * Many jetcd clients at once against one server, each with its own connection, all released at the
 * same instant. The recorded history (invocation and return times, answers) must be linearizable,
 * and a compare-and-swap counter must lose no update.
 *
 * <p>The default run is short (64 clients × 12 operations on 3 keys); longer runs:
 * {@code -Detcdfake.reliability.ops=500 -Detcdfake.reliability.clients=64}.
 */
class ConcurrentClientsTest {
  static final int CLIENTS = Integer.getInteger("etcdfake.reliability.clients", 64);
  static final int OPS = Integer.getInteger("etcdfake.reliability.ops", 12);
  static final int INCREMENTS = Integer.getInteger("etcdfake.reliability.increments", 4);
  static final long SEED = Long.getLong("etcdfake.reliability.seed", 20261129L);
  private static final String[] KEYS = {"k0", "k1", "k2"};

  private static EtcdFakeServer server;
  private static List<Client> clients;

  @BeforeAll
  static void start() throws Exception {
    server = EtcdFakeServer.builder().build().start();
    clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(Client.builder().endpoints(server.clientEndpoints()).build());
    }
  }

  @AfterAll
  static void stop() {
    if (clients != null) {
      clients.forEach(Client::close);
    }
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void empty() {
    server.reset();
  }

  static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** Runs {@code body(client index)} on every client at once; rethrows the first failure. */
  static void onAllClients(ClientBody body) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      Thread t = new Thread(() -> {
        try {
          go.await();
          body.run(client);
        } catch (Throwable e) {
          failures.add(e);
        }
      }, "client-" + c);
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join(TimeUnit.MINUTES.toMillis(5));
      assertThat(t.isAlive()).as("%s still running", t.getName()).isFalse();
    }
    if (!failures.isEmpty()) {
      AssertionError e = new AssertionError(failures.size() + " clients failed; the first: " + failures.get(0));
      failures.forEach(e::addSuppressed);
      throw e;
    }
  }

  interface ClientBody {
    void run(int client) throws Exception;
  }

  @Test
  void mixedPutGetCasDeleteHistoryIsLinearizable(TestReporter report) throws Exception {
    List<Operation<Input, Output>> history = Collections.synchronizedList(new ArrayList<>());
    onAllClients(client -> {
      KV kv = clients.get(client).getKVClient();
      Random random = new Random(SEED * 31 + client);
      long[] seenVersion = new long[KEYS.length];
      for (int n = 0; n < OPS; n++) {
        int k = random.nextInt(KEYS.length);
        String key = KEYS[k];
        String value = "c" + client + "-" + n;
        int kind = random.nextInt(10);
        long invoked = System.nanoTime();
        Input in;
        Output out;
        if (kind < 3) {
          in = new KvModel.Put(key, value);
          out = new KvModel.Written(kv.put(bs(key), bs(value)).get(30, TimeUnit.SECONDS).getHeader().getRevision());
        } else if (kind < 6) {
          in = new KvModel.Get(key);
          GetResponse r = kv.get(bs(key)).get(30, TimeUnit.SECONDS);
          State s = r.getKvs().isEmpty() ? State.ABSENT : new State(r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8),
              r.getKvs().get(0).getVersion(), r.getKvs().get(0).getCreateRevision(), r.getKvs().get(0).getModRevision());
          seenVersion[k] = s.version();
          out = new KvModel.Read(s, r.getHeader().getRevision());
        } else if (kind < 9) {
          // swap from the version this client last saw: sometimes current, often stale
          in = new KvModel.Cas(key, seenVersion[k], value);
          TxnResponse r = kv.txn()
              .If(new Cmp(bs(key), Cmp.Op.EQUAL, CmpTarget.version(seenVersion[k])))
              .Then(Op.put(bs(key), bs(value), PutOption.DEFAULT))
              .commit().get(30, TimeUnit.SECONDS);
          out = new KvModel.Swapped(r.isSucceeded(), r.getHeader().getRevision());
        } else {
          in = new KvModel.Delete(key);
          io.etcd.jetcd.kv.DeleteResponse r = kv.delete(bs(key)).get(30, TimeUnit.SECONDS);
          out = new KvModel.Deleted(r.getDeleted(), r.getHeader().getRevision());
        }
        history.add(new Operation<>(client, in, out, invoked, System.nanoTime()));
      }
    });

    assertThat(history).hasSize(CLIENTS * OPS);
    LinearizabilityChecker.Result verdict = LinearizabilityChecker.check(new KvModel(), history, 20_000_000);
    assertThat(verdict.verdict()).as("%s", verdict).isEqualTo(LinearizabilityChecker.Verdict.LINEARIZABLE);
    assertThat(RevisionOrder.violations(history)).isEmpty();
    report.publishEntry("history", history.size() + " operations by " + CLIENTS + " clients on " + KEYS.length
        + " keys; " + verdict);
    // every write made exactly one revision: the revisions are 2..N without a hole
    long writes = history.stream().filter(o -> KvModel.isWrite(o.output())).count();
    assertThat(server.store().currentRevision()).isEqualTo(1 + writes);
  }

  @Test
  void casCounterLosesNoUpdateUnderContention(TestReporter report) throws Exception {
    ByteSequence counter = bs("counter");
    clients.get(0).getKVClient().put(counter, bs("0")).get(30, TimeUnit.SECONDS);
    AtomicLong attempts = new AtomicLong();
    Set<Long> revisions = ConcurrentHashMap.newKeySet();
    onAllClients(client -> {
      KV kv = clients.get(client).getKVClient();
      GetResponse current = kv.get(counter).get(30, TimeUnit.SECONDS);
      long value = Long.parseLong(current.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
      long modRevision = current.getKvs().get(0).getModRevision();
      for (int done = 0; done < INCREMENTS; ) {
        attempts.incrementAndGet();
        // etcd's STM pattern: swap if nobody wrote since our read, else read again in the same round trip
        TxnResponse r = kv.txn()
            .If(new Cmp(counter, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)))
            .Then(Op.put(counter, bs(Long.toString(value + 1)), PutOption.DEFAULT))
            .Else(Op.get(counter, GetOption.DEFAULT))
            .commit().get(30, TimeUnit.SECONDS);
        if (r.isSucceeded()) {
          value++;
          modRevision = r.getHeader().getRevision();
          assertThat(revisions.add(modRevision)).as("revision %d given twice", modRevision).isTrue();
          done++;
        } else {
          io.etcd.jetcd.KeyValue latest = r.getGetResponses().get(0).getKvs().get(0);
          value = Long.parseLong(latest.getValue().toString(StandardCharsets.UTF_8));
          modRevision = latest.getModRevision();
        }
      }
    });

    long expected = (long) CLIENTS * INCREMENTS;
    GetResponse end = clients.get(0).getKVClient().get(counter).get(30, TimeUnit.SECONDS);
    assertThat(end.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8)).isEqualTo(Long.toString(expected));
    assertThat(end.getKvs().get(0).getVersion()).isEqualTo(expected + 1);
    assertThat(revisions).hasSize((int) expected);
    assertThat(attempts.get()).isGreaterThanOrEqualTo(expected);
    report.publishEntry("counter", expected + " increments by " + CLIENTS + " clients in " + attempts.get()
        + " attempts; lost updates: 0");
  }
}
