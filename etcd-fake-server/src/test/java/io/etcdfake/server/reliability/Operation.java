package io.etcdfake.server.reliability;

/**
 * One completed (or abandoned) call of a concurrent history: who made it, what it asked and got, and
 * when it was invoked and returned, on one clock ({@link System#nanoTime()}). An operation whose
 * outcome is unknown has a null output and returns at {@link Long#MAX_VALUE}: it may have taken
 * effect at any time after its invocation.
 */
public record Operation<I, O>(int client, I input, O output, long invoked, long returned) {
  public Operation {
    if (returned < invoked) {
      throw new IllegalArgumentException("returned before invoked: " + invoked + " > " + returned);
    }
  }

  public static <I, O> Operation<I, O> unknown(int client, I input, long invoked) {
    return new Operation<>(client, input, null, invoked, Long.MAX_VALUE);
  }

  @Override
  public String toString() {
    return "client " + client + ": " + input + " -> " + (output == null ? "?" : output)
        + " [" + invoked + ", " + (returned == Long.MAX_VALUE ? "∞" : returned) + "]";
  }
}
