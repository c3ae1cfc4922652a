package io.etcdfake.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external command (etcdctl, go, a client program) to its end for a test. Both output streams
 * are drained on threads of their own while the command runs, so a chatty command cannot block on a full
 * pipe, and a command that does not end in time (say, an etcdctl retrying a dead endpoint) is killed and
 * fails the test with what it printed, rather than hanging the build.
 */
public final class Processes {
  private Processes() {}

  /** What a command printed and how it ended. {@code stderr} is empty when it was redirected. */
  public record Output(int exit, String stdout, String stderr) {}

  public static Output run(ProcessBuilder command, String stdin, Duration timeout) throws IOException, InterruptedException {
    return finish(command.start(), stdin, timeout);
  }

  /** Feeds {@code stdin} (if any) to a started process whose output nobody has read, and waits for its end. */
  public static Output finish(Process p, String stdin, Duration timeout) throws InterruptedException {
    FutureTask<String> out = drain(p.getInputStream());
    FutureTask<String> err = drain(p.getErrorStream());
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      // the command ended without reading its input: its exit and output tell what happened
    }
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError(p.info().commandLine().orElse("a command") + " did not end within " + timeout + "; it printed:\n"
          + text(out) + text(err));
    }
    return new Output(p.exitValue(), text(out), text(err));
  }

  private static FutureTask<String> drain(InputStream stream) {
    FutureTask<String> task = new FutureTask<>(() -> {
      try (stream) {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      }
    });
    Thread reader = new Thread(task, "process-output");
    reader.setDaemon(true);
    reader.start();
    return task;
  }

  /** The stream's text once the process ended (its pipe closes then, unless a child process keeps it). */
  private static String text(FutureTask<String> task) throws InterruptedException {
    try {
      return task.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new UncheckedIOException(new IOException("reading a command's output", e.getCause()));
    } catch (java.util.concurrent.TimeoutException e) {
      return "<output still open after the command ended>";
    }
  }
}
