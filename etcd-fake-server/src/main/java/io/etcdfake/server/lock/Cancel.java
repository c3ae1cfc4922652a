package io.etcdfake.server.lock;

import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A call's cancellation, hooked once per call: the waits it ends come and go (one per watched key,
 * one per leader an Observe follows) without piling up as dependents of the call's future.
 */
public final class Cancel {
  private final Set<CompletableFuture<?>> waits = ConcurrentHashMap.newKeySet();
  private volatile boolean cancelled;

  public Cancel(CompletableFuture<?> abandoned) {
    abandoned.whenComplete((v, e) -> {
      cancelled = true;
      waits.forEach(Cancel::fail);
    });
  }

  public boolean isCancelled() {
    return cancelled;
  }

  /** Fails {@code wait} with a {@link CancellationException} if the call is (or gets) cancelled while it is pending. */
  void add(CompletableFuture<?> wait) {
    waits.add(wait);
    wait.whenComplete((v, e) -> waits.remove(wait));
    if (cancelled) {
      fail(wait); // set before the hook's sweep or seen by it: either way the wait ends
    }
  }

  static CancellationException exception() {
    return new CancellationException("context canceled");
  }

  private static void fail(CompletableFuture<?> wait) {
    wait.completeExceptionally(exception());
  }
}
