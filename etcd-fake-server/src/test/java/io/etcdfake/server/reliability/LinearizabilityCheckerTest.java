package io.etcdfake.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdfake.server.reliability.KvModel.Cas;
import io.etcdfake.server.reliability.KvModel.Delete;
import io.etcdfake.server.reliability.KvModel.Deleted;
import io.etcdfake.server.reliability.KvModel.Get;
import io.etcdfake.server.reliability.KvModel.Input;
import io.etcdfake.server.reliability.KvModel.Output;
import io.etcdfake.server.reliability.KvModel.Put;
import io.etcdfake.server.reliability.KvModel.Read;
import io.etcdfake.server.reliability.KvModel.State;
import io.etcdfake.server.reliability.KvModel.Swapped;
import io.etcdfake.server.reliability.KvModel.Written;
import io.etcdfake.server.reliability.LinearizabilityChecker.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The checker on histories whose verdict is known, so that a pass of the server tests means something. */
class LinearizabilityCheckerTest {
  private static final long BUDGET = 1_000_000;

  /** A register of ints: write(v), read() -> v; starts at 0. An unknown write may or may not have happened. */
  private record Write(int value) {}

  private record ReadReg() {}

  private static final Model<Integer, Object, Integer> REGISTER = new Model<>() {
    @Override
    public Integer initial() {
      return 0;
    }

    @Override
    public Integer step(Integer state, Object input, Integer output) {
      if (input instanceof Write w) {
        return w.value();
      }
      return output == null || output.equals(state) ? state : null;
    }
  };

  private static Operation<Object, Integer> write(int client, int value, long from, long to) {
    return new Operation<>(client, new Write(value), 0, from, to);
  }

  private static Operation<Object, Integer> read(int client, int value, long from, long to) {
    return new Operation<>(client, new ReadReg(), value, from, to);
  }

  private static Verdict verdict(List<Operation<Object, Integer>> history) {
    return LinearizabilityChecker.check(REGISTER, history, BUDGET).verdict();
  }

  @Test
  void sequentialHistoryIsLinearizable() {
    assertThat(verdict(List.of(write(0, 1, 0, 1), read(0, 1, 2, 3), write(1, 2, 4, 5), read(1, 2, 6, 7))))
        .isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void readConcurrentWithAWriteMaySeeEitherValue() {
    assertThat(verdict(List.of(write(0, 1, 0, 10), read(1, 0, 2, 3)))).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(verdict(List.of(write(0, 1, 0, 10), read(1, 1, 2, 3)))).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void staleReadAfterTheWriteReturnedIsNot() {
    LinearizabilityChecker.Result r =
        LinearizabilityChecker.check(REGISTER, List.of(write(0, 1, 0, 1), read(1, 0, 2, 3)), BUDGET);
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.explanation()).contains("client 1");
  }

  @Test
  void readsMayNotGoBackInTime() {
    // both reads overlap the write, but the second starts after the first saw the new value
    assertThat(verdict(List.of(write(0, 1, 0, 100), read(1, 1, 10, 20), read(2, 0, 30, 40))))
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void aValueNobodyWroteIsNot() {
    assertThat(verdict(List.of(write(0, 1, 0, 10), read(1, 7, 2, 30)))).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void needsBacktrackingToFindTheOrder() {
    // two concurrent writes, then a read of the one invoked first: only "2 then 1" explains it
    assertThat(verdict(List.of(write(0, 1, 0, 10), write(1, 2, 1, 11), read(2, 1, 20, 21), read(3, 1, 22, 23))))
        .isEqualTo(Verdict.LINEARIZABLE);
    assertThat(verdict(List.of(write(0, 1, 0, 10), write(1, 2, 1, 11), read(2, 1, 20, 21), read(3, 2, 22, 23))))
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void aCallWithUnknownOutcomeMayOrMayNotHaveHappened() {
    Operation<Object, Integer> lost = Operation.unknown(0, new Write(5), 0);
    assertThat(verdict(List.of(lost, read(1, 5, 10, 11)))).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(verdict(List.of(lost, read(1, 0, 10, 11)))).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(verdict(List.of(lost, read(1, 5, 10, 11), read(1, 0, 12, 13)))).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void runsOutOfBudgetAsUnknownNotAsAVerdict() {
    List<Operation<Object, Integer>> history = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      history.add(write(i, i + 1, 0, 100));
    }
    history.add(read(99, 42, 200, 201));
    LinearizabilityChecker.Result r = LinearizabilityChecker.check(REGISTER, history, 1_000);
    assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
    assertThat(r.steps()).isGreaterThan(1_000);
  }

  @Test
  void memoizationKeepsManyConcurrentEqualWritesCheap() {
    // 2^40 orders, but the states reached are few: memoized, the search stays small
    List<Operation<Object, Integer>> history = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      history.add(write(i, i % 2, 0, 100));
    }
    history.add(read(99, 1, 200, 201));
    LinearizabilityChecker.Result r = LinearizabilityChecker.check(REGISTER, history, 200_000);
    assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);
  }

  // ------------------------------------------------------------------ the KV model

  private static final KvModel KV = new KvModel();

  private static Operation<Input, Output> op(int client, Input in, Output out, long from, long to) {
    return new Operation<>(client, in, out, from, to);
  }

  private static Verdict kv(List<Operation<Input, Output>> history) {
    return LinearizabilityChecker.check(KV, history, BUDGET).verdict();
  }

  @Test
  void kvHistoryWithEveryOperationIsLinearizable() {
    assertThat(kv(List.of(
        op(0, new Put("a", "1"), new Written(2), 0, 1),
        op(1, new Cas("a", 1, "2"), new Swapped(true, 3), 2, 3),
        op(2, new Cas("a", 1, "3"), new Swapped(false, 3), 4, 5),
        op(0, new Get("a"), new Read(new State("2", 2, 2, 3), 3), 6, 7),
        op(1, new Delete("a"), new Deleted(1, 4), 8, 9),
        op(2, new Delete("a"), new Deleted(0, 4), 10, 11),
        op(0, new Get("a"), new Read(State.ABSENT, 4), 12, 13),
        op(0, new Cas("a", 0, "new"), new Swapped(true, 5), 14, 15),
        op(0, new Get("a"), new Read(new State("new", 1, 5, 5), 5), 16, 17))))
        .isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void twoSwapsFromTheSameVersionBothSucceedingIsALostUpdate() {
    assertThat(kv(List.of(
        op(0, new Put("c", "0"), new Written(2), 0, 1),
        op(1, new Cas("c", 1, "1"), new Swapped(true, 3), 2, 10),
        op(2, new Cas("c", 1, "1"), new Swapped(true, 4), 2, 10))))
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void aWriteRevisionBelowTheKeysLastOneIsNot() {
    assertThat(kv(List.of(
        op(0, new Put("a", "1"), new Written(5), 0, 1),
        op(0, new Put("a", "2"), new Written(4), 2, 3))))
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void eachKeyIsCheckedAloneAndTheBadOneIsNamed() {
    LinearizabilityChecker.Result r = LinearizabilityChecker.check(KV, List.of(
        op(0, new Put("a", "1"), new Written(2), 0, 1),
        op(1, new Put("b", "1"), new Written(3), 0, 1),
        op(0, new Get("a"), new Read(new State("1", 1, 2, 2), 3), 2, 3),
        op(1, new Get("b"), new Read(State.ABSENT, 3), 2, 3)), BUDGET);
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.partition()).isEqualTo("b");
  }

  @Test
  void manyConcurrentWritesOfOneKeyStayCheapThanksToDeadCalls() {
    // 60 overlapping puts: without dropping choices that strand a lower revision, every increasing
    // subset of them would be a configuration of its own
    List<Operation<Input, Output>> history = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      history.add(op(i, new Put("k", "v" + i), new Written(2 + i), i, 100 + i));
    }
    history.add(op(99, new Get("k"), new Read(new State("v59", 60, 2, 61), 61), 200, 201));
    LinearizabilityChecker.Result r = LinearizabilityChecker.check(KV, history, 100_000);
    assertThat(r.verdict()).as("%s", r).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void revisionOrderAcrossKeysIsCheckedToo() {
    List<Operation<Input, Output>> ok = List.of(
        op(0, new Put("a", "1"), new Written(2), 0, 1),
        op(1, new Put("b", "1"), new Written(3), 2, 3),
        op(2, new Get("a"), new Read(new State("1", 1, 2, 2), 3), 4, 5));
    assertThat(RevisionOrder.violations(ok)).isEmpty();
    // each key alone is fine, but b's write came after a's in real time with a lower revision
    List<Operation<Input, Output>> backwards = List.of(
        op(0, new Put("a", "1"), new Written(3), 0, 1),
        op(1, new Put("b", "1"), new Written(2), 2, 3));
    assertThat(kv(backwards)).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(RevisionOrder.violations(backwards)).singleElement().asString().contains("went back");
    List<Operation<Input, Output>> shared = List.of(
        op(0, new Put("a", "1"), new Written(2), 0, 10),
        op(1, new Put("b", "1"), new Written(2), 0, 10));
    assertThat(RevisionOrder.violations(shared)).singleElement().asString().contains("one revision");
  }

  /**
   * Random histories made linearizable by construction (each operation takes effect at one instant
   * inside its interval, on a sequential KV), then broken by changing one read: the checker must
   * accept every original and reject every broken one.
   */
  @Test
  void randomHistoriesOfKnownVerdict() {
    Random random = new Random(20261129);
    for (int round = 0; round < 30; round++) {
      List<Operation<Input, Output>> history = linearizableHistory(random, 300, 16);
      LinearizabilityChecker.Result r = LinearizabilityChecker.check(KV, history, BUDGET);
      assertThat(r.verdict()).as("round %d: %s", round, r).isEqualTo(Verdict.LINEARIZABLE);
      assertThat(RevisionOrder.violations(history)).isEmpty();

      List<Operation<Input, Output>> broken = new ArrayList<>(history);
      for (int i = broken.size() - 1; i >= 0; i--) {
        Operation<Input, Output> o = broken.get(i);
        if (o.output() instanceof Read read) {
          State wrong = new State("never-written", 99, 1, 1);
          broken.set(i, op(o.client(), o.input(), new Read(wrong, read.revision()), o.invoked(), o.returned()));
          break;
        }
      }
      assertThat(LinearizabilityChecker.check(KV, broken, BUDGET).verdict()).as("round %d broken", round)
          .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }
  }

  /** {@code n} operations on 3 keys; an effect every 2 ticks, intervals up to {@code 2 * spread} ticks either side of it,
   * so up to about {@code 2 * spread} operations overlap. */
  static List<Operation<Input, Output>> linearizableHistory(Random random, int n, int spread) {
    String[] keys = {"k0", "k1", "k2"};
    java.util.Map<String, State> store = new java.util.HashMap<>();
    long revision = 1;
    List<Operation<Input, Output>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long at = 2L * (i + spread);
      String key = keys[random.nextInt(keys.length)];
      State s = store.getOrDefault(key, State.ABSENT);
      Input in;
      Output res;
      switch (random.nextInt(4)) {
        case 0 -> {
          in = new Put(key, "v" + i);
          res = new Written(++revision);
          store.put(key, s.written("v" + i, revision));
        }
        case 1 -> {
          in = new Get(key);
          res = new Read(s.visible(), revision);
        }
        case 2 -> {
          long expected = random.nextBoolean() ? s.version() : s.version() + 1;
          in = new Cas(key, expected, "c" + i);
          if (expected == s.version()) {
            res = new Swapped(true, ++revision);
            store.put(key, s.written("c" + i, revision));
          } else {
            res = new Swapped(false, revision);
          }
        }
        default -> {
          in = new Delete(key);
          if (s.exists()) {
            res = new Deleted(1, ++revision);
            store.put(key, s.deleted(revision));
          } else {
            res = new Deleted(0, revision);
          }
        }
      }
      long from = at - random.nextInt(2 * spread);
      long to = at + random.nextInt(2 * spread);
      out.add(op(i, in, res, from, to));
    }
    return out;
  }
}
