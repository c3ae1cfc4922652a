package io.etcdfake.server.difftest;

import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import java.util.concurrent.TimeUnit;

/**
 * A watch of the randomized suite: opened on both sides at some point of a sequence, its created
 * answer compared at once and everything it saw compared when the sequence ends. Events are compared
 * as one list, since etcd may batch the events of several revisions into one response where the fake
 * sends them one by one; a compaction or cancel notice is compared too.
 */
final class RandomWatch implements AutoCloseable, RandomRun.Drainable {
  /** Both sides have sent the same number of events and nothing came for this long: they are done. */
  private static final long QUIET_MILLIS = 300;
  private static final long MAX_WAIT_MILLIS = 10_000;
  private final Scenario scenario;
  private final WatchRequest create;
  private final StreamPair.SideStream<WatchRequest, WatchResponse> fake;
  private final StreamPair.SideStream<WatchRequest, WatchResponse> reference;
  private final WatchResponse.Builder mine = WatchResponse.newBuilder();
  private final WatchResponse.Builder theirs = WatchResponse.newBuilder();
  private Outcome<WatchResponse> mineEnded;
  private Outcome<WatchResponse> theirsEnded;

  private RandomWatch(Scenario scenario, WatchRequest create) {
    this.scenario = scenario;
    this.create = create;
    this.fake = scenario.fake().openStream(WatchGrpc.getWatchMethod());
    this.reference = scenario.reference().openStream(WatchGrpc.getWatchMethod());
  }

  /** Opens the watch on both sides and compares the created answers; kept open until the run ends. */
  static Outcome<WatchResponse> open(RandomRun run, WatchCreateRequest request) {
    RandomWatch w = run.keep(new RandomWatch(run.scenario(), WatchRequest.newBuilder().setCreateRequest(request).build()));
    w.fake.send(w.create);
    w.reference.send(w.create);
    Outcome<WatchResponse> mine = w.fake.next();
    w.scenario.requireSame("etcdserverpb.Watch/Watch (created)", w.create, mine, w.reference.next());
    return mine;
  }

  @Override
  public void drain() {
    long start = System.nanoTime();
    long lastNews = start;
    while (true) {
      Outcome<WatchResponse> a = mineEnded == null ? fake.poll(10) : null;
      Outcome<WatchResponse> b = theirsEnded == null ? reference.poll(10) : null;
      long now = System.nanoTime();
      if (a != null || b != null) {
        lastNews = now;
      }
      mineEnded = add(mine, a, mineEnded);
      theirsEnded = add(theirs, b, theirsEnded);
      boolean alike = mine.getEventsCount() == theirs.getEventsCount();
      if (alike && TimeUnit.NANOSECONDS.toMillis(now - lastNews) >= QUIET_MILLIS
          || TimeUnit.NANOSECONDS.toMillis(now - start) >= MAX_WAIT_MILLIS) {
        break;
      }
    }
    scenario.requireSame("etcdserverpb.Watch/Watch (events seen)", create,
        mineEnded != null ? mineEnded : Outcome.of(mine.build()),
        theirsEnded != null ? theirsEnded : Outcome.of(theirs.build()));
  }

  /** Adds one answer's events and notices to the list so far; answers the stream's end once it ended. */
  private static Outcome<WatchResponse> add(WatchResponse.Builder all, Outcome<WatchResponse> answer, Outcome<WatchResponse> ended) {
    if (answer == null) {
      return ended;
    }
    if (answer.response() == null) {
      return answer;
    }
    WatchResponse r = answer.response();
    all.addAllEvents(r.getEventsList());
    if (r.getCompactRevision() != 0) {
      all.setCompactRevision(r.getCompactRevision());
    }
    if (r.getCanceled()) {
      all.setCanceled(true).setCancelReason(r.getCancelReason());
    }
    return ended;
  }

  @Override
  public void close() {
    fake.cancel();
    reference.cancel();
  }
}
