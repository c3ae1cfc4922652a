package io.etcdfake.server.reliability;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether a concurrent history is linearizable with respect to a {@link Model}: Wing and
 * Gong's search for a sequential order that respects real time, with Lowe's memoization (a
 * configuration, the set of operations linearized so far plus the model state, is explored once)
 * and the history split by {@link Model#partition} into independent parts checked one by one.
 *
 * <p>An operation that leaves the state as it is (a read, a failed swap) is placed as soon as it
 * fits, and that choice is never revisited: if any order works, one placing it there works too, as
 * moving a state-preserving operation earlier within its own interval changes nothing for the
 * others. Without this, k concurrent reads alone make 2^k configurations.
 *
 * <p>A model may also say when a pending operation can never be applied again ({@link Model#isDead});
 * a choice that kills a pending operation is dropped at once.
 *
 * <p>The search is exponential in the worst case, so each part has a step budget; a part that runs
 * out is answered {@link Verdict#UNKNOWN}, never a false verdict.
 */
public final class LinearizabilityChecker {
  private LinearizabilityChecker() {}

  public enum Verdict {
    LINEARIZABLE,
    NOT_LINEARIZABLE,
    /** the step budget ran out before the search ended */
    UNKNOWN
  }

  /**
   * The answer: for a failed part, which part, how far the search got, and the operations it could
   * not place after its longest linearizable prefix.
   */
  public record Result(Verdict verdict, Object partition, long steps, int operations, String explanation) {
    public boolean isLinearizable() {
      return verdict == Verdict.LINEARIZABLE;
    }

    @Override
    public String toString() {
      return verdict + " (" + operations + " operations, " + steps + " search steps)"
          + (explanation.isEmpty() ? "" : ": " + explanation);
    }
  }

  /** Checks every part of the history; answers the first part that is not linearizable, if any. */
  public static <S, I, O> Result check(Model<S, I, O> model, List<Operation<I, O>> history, long maxStepsPerPart) {
    Map<Object, List<Operation<I, O>>> parts = new LinkedHashMap<>();
    for (Operation<I, O> op : history) {
      parts.computeIfAbsent(model.partition(op.input()), k -> new ArrayList<>()).add(op);
    }
    long steps = 0;
    Result unknown = null;
    for (Map.Entry<Object, List<Operation<I, O>>> part : parts.entrySet()) {
      Result r = checkPart(model, part.getKey(), part.getValue(), maxStepsPerPart);
      steps += r.steps();
      if (r.verdict() == Verdict.NOT_LINEARIZABLE) {
        return r;
      }
      if (r.verdict() == Verdict.UNKNOWN && unknown == null) {
        unknown = r;
      }
    }
    return unknown != null ? unknown : new Result(Verdict.LINEARIZABLE, null, steps, history.size(), "");
  }

  /** An invocation or a return, in a doubly linked list ordered by time. */
  private static final class Entry<I, O> {
    final int id;
    final Operation<I, O> op;
    final boolean isCall;
    Entry<I, O> match;
    Entry<I, O> prev;
    Entry<I, O> next;

    Entry(int id, Operation<I, O> op, boolean isCall) {
      this.id = id;
      this.op = op;
      this.isCall = isCall;
    }

    long time() {
      return isCall ? op.invoked() : op.returned();
    }
  }

  /** A configuration already explored: which operations are linearized, and the state they led to. */
  private record Seen(BitSet linearized, Object state) {}

  /** A choice made: which call was linearized, from which state; forced if it left the state as it was. */
  private record Frame<S, I, O>(Entry<I, O> call, S stateBefore, boolean forced) {}

  private static <S, I, O> Result checkPart(Model<S, I, O> model, Object partition, List<Operation<I, O>> ops, long maxSteps) {
    Entry<I, O> head = buildList(ops);
    BitSet linearized = new BitSet(ops.size());
    Set<Seen> seen = new HashSet<>();
    Deque<Frame<S, I, O>> stack = new ArrayDeque<>();
    S state = model.initial();
    Entry<I, O> entry = head;
    long steps = 0;
    int deepest = 0;
    Entry<I, O> stuckAt = null;
    while (head != null) {
      if (++steps > maxSteps) {
        return new Result(Verdict.UNKNOWN, partition, steps, ops.size(),
            "step budget of " + maxSteps + " spent on part " + partition);
      }
      if (entry.isCall) {
        S next = model.step(state, entry.op.input(), entry.op.output());
        boolean placed = false;
        if (next != null && !killsAPendingCall(model, next, head, entry)) {
          BitSet with = (BitSet) linearized.clone();
          with.set(entry.id);
          if (seen.add(new Seen(with, next))) {
            stack.push(new Frame<>(entry, state, next.equals(state)));
            linearized = with;
            state = next;
            head = lift(head, entry);
            entry = head;
            placed = true;
          }
        }
        if (!placed) {
          entry = entry.next;
        }
      } else {
        // a return whose call is not linearized yet: this branch cannot work, undo the last choice
        if (stack.size() >= deepest) {
          deepest = stack.size();
          stuckAt = entry;
        }
        if (stack.isEmpty()) {
          return new Result(Verdict.NOT_LINEARIZABLE, partition, steps, ops.size(), explain(partition, deepest, stuckAt, ops));
        }
        Frame<S, I, O> top;
        do {
          top = stack.pop();
          state = top.stateBefore();
          linearized.clear(top.call().id);
          head = unlift(head, top.call());
        } while (top.forced() && !stack.isEmpty());
        if (top.forced()) {
          return new Result(Verdict.NOT_LINEARIZABLE, partition, steps, ops.size(), explain(partition, deepest, stuckAt, ops));
        }
        entry = top.call().next;
      }
    }
    return new Result(Verdict.LINEARIZABLE, partition, steps, ops.size(), "");
  }

  /**
   * Whether linearizing {@code chosen} into {@code next} leaves a pending call (invoked before the
   * earliest pending return) that can never be applied: then that return can never be reached.
   */
  private static <S, I, O> boolean killsAPendingCall(Model<S, I, O> model, S next, Entry<I, O> head, Entry<I, O> chosen) {
    for (Entry<I, O> e = head; e != null && e.isCall; e = e.next) {
      if (e != chosen && e.op.output() != null && model.isDead(next, e.op.input(), e.op.output())) {
        return true;
      }
    }
    return false;
  }

  private static <I, O> String explain(Object partition, int deepest, Entry<I, O> stuckAt, List<Operation<I, O>> ops) {
    StringBuilder sb = new StringBuilder();
    sb.append("part ").append(partition).append(": at most ").append(deepest).append(" of ").append(ops.size())
        .append(" operations linearize; none of the pending ones fits before ").append(stuckAt.op);
    List<Operation<I, O>> around = new ArrayList<>();
    for (Operation<I, O> op : ops) {
      if (op.invoked() <= stuckAt.op.returned() && op.returned() >= stuckAt.op.invoked()) {
        around.add(op);
      }
    }
    around.sort(Comparator.comparingLong(Operation::invoked));
    sb.append("\nconcurrent with it:");
    for (Operation<I, O> op : around.subList(0, Math.min(around.size(), 20))) {
      sb.append("\n  ").append(op);
    }
    return sb.toString();
  }

  /**
   * Calls and returns sorted by time; at equal times calls come first, so that operations touching
   * at an instant count as concurrent (the lenient reading of a clock's resolution).
   */
  private static <I, O> Entry<I, O> buildList(List<Operation<I, O>> ops) {
    List<Entry<I, O>> entries = new ArrayList<>(ops.size() * 2);
    for (int i = 0; i < ops.size(); i++) {
      Entry<I, O> call = new Entry<>(i, ops.get(i), true);
      Entry<I, O> ret = new Entry<>(i, ops.get(i), false);
      call.match = ret;
      ret.match = call;
      entries.add(call);
      entries.add(ret);
    }
    entries.sort(Comparator.<Entry<I, O>>comparingLong(Entry::time).thenComparing(e -> !e.isCall));
    Entry<I, O> head = null;
    Entry<I, O> last = null;
    for (Entry<I, O> e : entries) {
      if (last == null) {
        head = e;
      } else {
        last.next = e;
        e.prev = last;
      }
      last = e;
    }
    return head;
  }

  /** Takes a call and its return out of the list; answers the new head. */
  private static <I, O> Entry<I, O> lift(Entry<I, O> head, Entry<I, O> call) {
    head = remove(head, call);
    return remove(head, call.match);
  }

  private static <I, O> Entry<I, O> remove(Entry<I, O> head, Entry<I, O> e) {
    if (e.prev != null) {
      e.prev.next = e.next;
    } else {
      head = e.next;
    }
    if (e.next != null) {
      e.next.prev = e.prev;
    }
    return head;
  }

  /** Puts a lifted call and its return back where they were (their own links still say where). */
  private static <I, O> Entry<I, O> unlift(Entry<I, O> head, Entry<I, O> call) {
    head = restore(head, call.match);
    return restore(head, call);
  }

  private static <I, O> Entry<I, O> restore(Entry<I, O> head, Entry<I, O> e) {
    if (e.prev != null) {
      e.prev.next = e;
    } else {
      head = e;
    }
    if (e.next != null) {
      e.next.prev = e;
    }
    return head;
  }
}
