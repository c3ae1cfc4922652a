package io.etcdfake.samples.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcdfake.junit.EtcdFake;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@EtcdFake
class WorkQueueTest {
  private static final String PREFIX = "/queue/jobs/";
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** A thread per task: the common pool may have a single thread on a small machine. */
  private static final Executor THREADS = task -> new Thread(task).start();

  @Test
  void jobsComeOutInTheOrderTheyWentIn(Client client) throws Exception {
    WorkQueue queue = new WorkQueue(client, PREFIX);
    queue.add("a");
    queue.add("b");
    queue.add("c");
    assertThat(List.of(queue.take(WAIT), queue.take(WAIT), queue.take(WAIT))).containsExactly("a", "b", "c");
  }

  @Test
  void aWaitingConsumerGetsTheNextJob(Client client) throws Exception {
    WorkQueue queue = new WorkQueue(client, PREFIX);
    CompletableFuture<String> taken = CompletableFuture.supplyAsync(() -> take(queue), THREADS);
    queue.add("late job");
    assertThat(taken.get(30, TimeUnit.SECONDS)).isEqualTo("late job");
  }

  @Test
  void competingConsumersTakeEachJobExactlyOnce(Client client) throws Exception {
    WorkQueue queue = new WorkQueue(client, PREFIX);
    List<String> jobs = IntStream.range(0, 30).mapToObj(i -> "job-" + i).collect(Collectors.toList());
    List<CompletableFuture<List<String>>> consumers = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      consumers.add(CompletableFuture.supplyAsync(() -> {
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          mine.add(take(queue));
        }
        return mine;
      }, THREADS));
    }
    for (String job : jobs) {
      queue.add(job);
    }
    List<String> all = new ArrayList<>();
    for (CompletableFuture<List<String>> consumer : consumers) {
      List<String> mine = consumer.get(30, TimeUnit.SECONDS);
      // each consumer sees its jobs in queue order
      assertThat(mine).isSortedAccordingTo((x, y) -> Integer.compare(jobs.indexOf(x), jobs.indexOf(y)));
      all.addAll(mine);
    }
    assertThat(all).containsExactlyInAnyOrderElementsOf(jobs);
  }

  private static String take(WorkQueue queue) {
    try {
      return queue.take(WAIT);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
