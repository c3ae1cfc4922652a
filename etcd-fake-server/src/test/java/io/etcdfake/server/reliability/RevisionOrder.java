package io.etcdfake.server.reliability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of etcd's linearizability a per-key model cannot see: revisions are one total order over
 * all keys that respects real time. Each write has a revision of its own, and an operation invoked
 * after another returned answers a revision at least as high (a higher one if it is a write).
 */
public final class RevisionOrder {
  private RevisionOrder() {}

  /** Every breach found, described; empty when the history keeps the order. */
  public static List<String> violations(List<Operation<KvModel.Input, KvModel.Output>> history) {
    List<String> out = new ArrayList<>();
    Map<Long, Operation<KvModel.Input, KvModel.Output>> writers = new HashMap<>();
    List<Operation<KvModel.Input, KvModel.Output>> answered = new ArrayList<>();
    for (Operation<KvModel.Input, KvModel.Output> op : history) {
      if (op.output() == null) {
        continue;
      }
      answered.add(op);
      if (KvModel.isWrite(op.output())) {
        Operation<KvModel.Input, KvModel.Output> other = writers.put(KvModel.revision(op.output()), op);
        if (other != null) {
          out.add("two writes at one revision: " + other + " and " + op);
        }
      }
    }
    List<Operation<KvModel.Input, KvModel.Output>> byReturn = new ArrayList<>(answered);
    byReturn.sort(Comparator.comparingLong(Operation::returned));
    answered.sort(Comparator.comparingLong(Operation::invoked));
    int done = 0;
    Operation<KvModel.Input, KvModel.Output> highest = null;
    for (Operation<KvModel.Input, KvModel.Output> op : answered) {
      while (done < byReturn.size() && byReturn.get(done).returned() < op.invoked()) {
        Operation<KvModel.Input, KvModel.Output> before = byReturn.get(done++);
        if (highest == null || KvModel.revision(before.output()) > KvModel.revision(highest.output())) {
          highest = before;
        }
      }
      if (highest == null) {
        continue;
      }
      long floor = KvModel.revision(highest.output());
      long rev = KvModel.revision(op.output());
      if (rev < floor || (rev == floor && KvModel.isWrite(op.output()))) {
        out.add("revision went back in real time: " + highest + " returned before " + op + " was invoked");
      }
    }
    return out;
  }
}
