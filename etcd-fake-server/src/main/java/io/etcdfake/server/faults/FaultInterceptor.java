package io.etcdfake.server.faults;

import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Applies {@link Faults} to every call, and keeps the open streams so they can be cut. */
final class FaultInterceptor implements ServerInterceptor {
  private final Faults faults;
  private final Set<DroppableCall<?, ?>> streams = ConcurrentHashMap.newKeySet();
  /** calls waiting out a latency: each starts when its timer fires, or all at once on clear() */
  private final Set<CompletableFuture<Void>> delayed = ConcurrentHashMap.newKeySet();

  FaultInterceptor(Faults faults) {
    this.faults = faults;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    Duration latency = faults.latencyOf(call.getMethodDescriptor().getFullMethodName());
    if (latency.isZero()) {
      return begin(call, headers, next);
    }
    // no thread waits out the latency: the call starts later on a timer, in its own context
    DelayedStart<Q> start = new DelayedStart<>();
    Context context = Context.current();
    CompletableFuture<Void> timer = new CompletableFuture<Void>().completeOnTimeout(null, latency.toNanos(), TimeUnit.NANOSECONDS);
    delayed.add(timer);
    timer.thenRun(() -> {
      delayed.remove(timer);
      context.run(() -> start.start(() -> begin(call, headers, next)));
    });
    return start;
  }

  private <Q, A> ServerCall.Listener<Q> begin(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    Status failure = faults.takeFailure(method);
    if (failure != null) {
      call.close(failure, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY) {
      return next.startCall(call, headers);
    }
    DroppableCall<Q, A> stream = new DroppableCall<>(call);
    streams.add(stream);
    ServerCall.Listener<Q> delegate;
    try {
      delegate = next.startCall(stream, headers);
    } catch (RuntimeException e) {
      streams.remove(stream);
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        if (!stream.dropped()) {
          super.onMessage(message);
        }
      }

      @Override
      public void onHalfClose() {
        if (!stream.dropped()) {
          super.onHalfClose();
        }
      }

      @Override
      public void onComplete() {
        streams.remove(stream);
        if (stream.dropped()) {
          // the service never ended this call: to it, the peer went away
          super.onCancel();
        } else {
          super.onComplete();
        }
      }

      @Override
      public void onCancel() {
        streams.remove(stream);
        super.onCancel();
      }
    };
  }

  int dropStreams(Status status) {
    int n = 0;
    for (DroppableCall<?, ?> s : streams) {
      if (s.drop(status)) {
        n++;
      }
    }
    return n;
  }

  int openStreams() {
    int n = 0;
    for (DroppableCall<?, ?> s : streams) {
      n += s.dropped() ? 0 : 1;
    }
    return n;
  }

  void releaseDelayed() {
    for (CompletableFuture<Void> timer : delayed) {
      timer.complete(null);
    }
  }

  /**
   * The listener of a call whose start is delayed. Until it starts, the call has asked for no message,
   * so only its end (the client gave up) or readiness can arrive; a call that ended is never started.
   */
  private static final class DelayedStart<Q> extends ServerCall.Listener<Q> {
    private ServerCall.Listener<Q> delegate;
    private boolean ended;
    private boolean ready;
    private boolean halfClosed;

    synchronized void start(Supplier<ServerCall.Listener<Q>> begin) {
      if (ended) {
        return;
      }
      delegate = begin.get();
      if (halfClosed) {
        delegate.onHalfClose();
      }
      if (ready) {
        delegate.onReady();
      }
    }

    @Override
    public synchronized void onMessage(Q message) {
      delegate.onMessage(message); // only after start: before, nothing was requested
    }

    @Override
    public synchronized void onHalfClose() {
      if (delegate == null) {
        halfClosed = true;
      } else {
        delegate.onHalfClose();
      }
    }

    @Override
    public synchronized void onCancel() {
      if (delegate == null) {
        ended = true;
      } else {
        delegate.onCancel();
      }
    }

    @Override
    public synchronized void onComplete() {
      if (delegate == null) {
        ended = true;
      } else {
        delegate.onComplete();
      }
    }

    @Override
    public synchronized void onReady() {
      if (delegate == null) {
        ready = true;
      } else {
        delegate.onReady();
      }
    }
  }

  /**
   * A streaming call that the test may end from its own thread: every use is serialized, and once
   * dropped, what the service still sends is discarded instead of failing the service.
   */
  private static final class DroppableCall<Q, A> extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
    private boolean closed;
    private volatile boolean dropped;

    DroppableCall(ServerCall<Q, A> call) {
      super(call);
    }

    boolean dropped() {
      return dropped;
    }

    synchronized boolean drop(Status status) {
      if (closed) {
        return false;
      }
      closed = true;
      dropped = true;
      super.close(status, new Metadata());
      return true;
    }

    @Override
    public synchronized void request(int numMessages) {
      if (!closed) {
        super.request(numMessages);
      }
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(A message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    @Override
    public synchronized boolean isReady() {
      return !closed && super.isReady();
    }

    @Override
    public boolean isCancelled() {
      return dropped || super.isCancelled();
    }
  }
}
