package io.etcdfake.bench;

import com.google.protobuf.ByteString;
import io.etcdfake.server.mvcc.Comparison;
import io.etcdfake.server.mvcc.MvccStore;
import io.etcdfake.server.mvcc.Op;
import io.etcdfake.server.mvcc.Result;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** The store alone, no gRPC: what each operation costs in the MVCC layer. Microseconds per operation. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StoreBenchmarks {
  static final ByteString VALUE = ByteString.copyFromUtf8("v".repeat(32));

  static ByteString key(int i) {
    return ByteString.copyFromUtf8(String.format("/bench/key/%07d", i));
  }

  static MvccStore filled(int keys, int revisions) {
    MvccStore store = new MvccStore();
    for (int r = 0; r < revisions; r++) {
      for (int i = 0; i < keys; i++) {
        store.put(Op.Put.of(key(i), VALUE), 0);
      }
    }
    return store;
  }

  /** Writes into a store of 10,000 keys, emptied before each iteration so history stays bounded. */
  @State(Scope.Benchmark)
  public static class Writes {
    MvccStore store;
    ByteString[] keys;

    @Setup(Level.Iteration)
    public void setUp() {
      store = filled(10_000, 1);
      keys = new ByteString[10_000];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = key(i);
      }
    }
  }

  @Benchmark
  public Result put(Writes s) {
    return s.store.put(Op.Put.of(s.keys[ThreadLocalRandom.current().nextInt(s.keys.length)], VALUE), 0);
  }

  /** A compare-and-swap: if the key's version is above 0 then put, else get. */
  @Benchmark
  public Result txn(Writes s) {
    ByteString k = s.keys[ThreadLocalRandom.current().nextInt(s.keys.length)];
    return s.store.txn(new Op.Txn(
        List.of(new Comparison(k, ByteString.EMPTY, Comparison.Target.VERSION, Comparison.Result.GREATER, 0, ByteString.EMPTY)),
        List.of(Op.Put.of(k, VALUE)),
        List.of(Op.Range.of(k, ByteString.EMPTY))), 0);
  }

  /** Reads from a store of {@code keys} keys, one revision each. */
  @State(Scope.Benchmark)
  public static class Reads {
    @Param({"1000", "100000", "1000000"})
    public int keys;

    MvccStore store;
    ByteString[] names;

    @Setup(Level.Trial)
    public void setUp() {
      store = filled(keys, 1);
      names = new ByteString[keys];
      for (int i = 0; i < keys; i++) {
        names[i] = key(i);
      }
    }
  }

  /** One key: O(log n). */
  @Benchmark
  public Result rangeOneKey(Reads s) {
    return s.store.range(Op.Range.of(s.names[ThreadLocalRandom.current().nextInt(s.keys)], ByteString.EMPTY));
  }

  /** A span of 100 keys at a random place: O(log n + 100), so flat in n. */
  @Benchmark
  public Result range100Keys(Reads s) {
    int from = ThreadLocalRandom.current().nextInt(s.keys - 100);
    return s.store.range(Op.Range.of(s.names[from], s.names[from + 100]));
  }

  /**
   * The same 100-key spans, but starting inside one block of 1,000 keys in the middle: every n touches as
   * much memory as the 1k case does, so what still grows with n is the lookup's O(log n) alone. At random
   * places a 1M-key index is far larger than the CPU caches and each step of the lookup is a cache miss.
   */
  @Benchmark
  public Result range100KeysCached(Reads s) {
    int from = (s.keys - 1000) / 2 + ThreadLocalRandom.current().nextInt(900);
    return s.store.range(Op.Range.of(s.names[from], s.names[from + 100]));
  }

  /** 10,000 keys × 10 revisions each: reads at a past revision. */
  @State(Scope.Benchmark)
  public static class History {
    MvccStore store;
    ByteString[] names;

    @Setup(Level.Trial)
    public void setUp() {
      store = filled(10_000, 10);
      names = new ByteString[10_000];
      for (int i = 0; i < names.length; i++) {
        names[i] = key(i);
      }
    }
  }

  @Benchmark
  public Result historyRead(History s) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long rev = 2 + r.nextLong(s.store.currentRevision() - 1);
    Op.Range one = Op.Range.of(s.names[r.nextInt(s.names.length)], ByteString.EMPTY);
    return s.store.range(new Op.Range(one.key(), one.rangeEnd(), 0, rev, 0, 0, false, false, false, 0, 0, 0, 0));
  }

  /** 100,000 keys × 10 revisions, compacted at the middle revision: one whole compaction per op (ms). */
  @State(Scope.Benchmark)
  public static class Compaction {
    MvccStore store;

    @Setup(Level.Invocation)
    public void setUp() {
      store = filled(100_000, 10);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public long compact(Compaction s) {
    return s.store.compact(s.store.currentRevision() / 2);
  }
}
