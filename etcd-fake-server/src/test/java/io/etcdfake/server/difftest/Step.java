package io.etcdfake.server.difftest;

import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import java.util.function.Function;

/**
 * One action of a randomized sequence: what it does to both sides (and compares), and the Java that
 * does the same in a hand-written differential scenario, for printing a shrunk failure. Steps carry
 * their whole request, so any subsequence of a sequence is itself a valid sequence.
 */
record Step(String name, String java, Function<RandomRun, Outcome<?>> action) {

  /** A unary call of any etcd service, sent to both sides and compared. */
  static <Q extends Message, A extends Message> Step call(MethodDescriptor<Q, A> method, Q request) {
    return new Step(method.getBareMethodName(), "s.call(" + JavaSource.method(method) + ", " + JavaSource.message(request) + ");",
        run -> run.scenario().call(method, request));
  }

  Outcome<?> run(RandomRun run) {
    return action.apply(run);
  }

  @Override
  public String toString() {
    return java;
  }
}
