package io.etcdfake.server.difftest;

import com.google.protobuf.Message;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The same bidirectional stream opened on both sides: what is sent goes to both (revisions made
 * absolute per side), and each {@link #next()} takes the next answer of each side and requires them
 * equal. The end of a stream is an {@link Outcome} too: OK without a response, or the error.
 */
public final class StreamPair<Q extends Message, A extends Message> implements AutoCloseable {
  private final Scenario scenario;
  private final MethodDescriptor<Q, A> method;
  private final SideStream<Q, A> fake;
  private final SideStream<Q, A> reference;

  StreamPair(Scenario scenario, MethodDescriptor<Q, A> method, SideStream<Q, A> fake, SideStream<Q, A> reference) {
    this.scenario = scenario;
    this.method = method;
    this.fake = fake;
    this.reference = reference;
  }

  public void send(Q request) {
    fake.send(request);
    reference.send(request);
  }

  /** The next answer of both sides, required equal; the fake's. Waits up to 10 s for each. */
  public Outcome<A> next() {
    Outcome<A> mine = fake.next();
    Outcome<A> theirs = reference.next();
    scenario.requireSame(method.getFullMethodName() + " (stream)", null, mine, theirs);
    return mine;
  }

  /** Ends the sending side of both streams. */
  public void halfClose() {
    fake.calls.onCompleted();
    reference.calls.onCompleted();
  }

  @Override
  public void close() {
    fake.cancel();
    reference.cancel();
  }

  /** One side's stream: answers are queued as they arrive, made relative to that side's base. */
  static final class SideStream<Q extends Message, A extends Message> implements StreamObserver<A> {
    private static final Object END = new Object();
    private final Side side;
    private final ClientCall<Q, A> call;
    private final StreamObserver<Q> calls;
    private final BlockingQueue<Object> answers = new LinkedBlockingQueue<>();

    SideStream(Side side, MethodDescriptor<Q, A> method) {
      this.side = side;
      this.call = side.authorized().newCall(method, io.grpc.CallOptions.DEFAULT);
      this.calls = ClientCalls.asyncBidiStreamingCall(call, this);
    }

    void send(Q request) {
      calls.onNext(Revisions.toSide(request, side.base()));
    }

    @SuppressWarnings("unchecked")
    Outcome<A> next() {
      Object answer;
      try {
        answer = answers.poll(Side.CALL_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + side);
      }
      if (answer == null) {
        throw new AssertionError(side + " sent nothing within " + Side.CALL_SECONDS + " s");
      }
      if (answer == END) {
        return Outcome.of(Status.OK);
      }
      if (answer instanceof Status status) {
        return Outcome.of(status);
      }
      return Outcome.of(Revisions.toRelative((A) answer, side.base()));
    }

    void cancel() {
      call.cancel("scenario over", null);
    }

    @Override
    public void onNext(A value) {
      answers.add(value);
    }

    @Override
    public void onError(Throwable t) {
      answers.add(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      answers.add(END);
    }
  }
}
