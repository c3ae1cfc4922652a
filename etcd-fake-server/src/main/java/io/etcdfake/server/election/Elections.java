package io.etcdfake.server.election;

import com.google.protobuf.ByteString;
import io.etcdfake.server.errors.EtcdException;
import io.etcdfake.server.errors.StatusCode;
import io.etcdfake.server.lease.Lessor;
import io.etcdfake.server.lock.Cancel;
import io.etcdfake.server.lock.KeyWatch;
import io.etcdfake.server.lock.OpCheck;
import io.etcdfake.server.lock.Recipes;
import io.etcdfake.server.mvcc.Comparison;
import io.etcdfake.server.mvcc.Event;
import io.etcdfake.server.mvcc.KeyRange;
import io.etcdfake.server.mvcc.KeyValue;
import io.etcdfake.server.mvcc.MvccStore;
import io.etcdfake.server.mvcc.Op;
import io.etcdfake.server.mvcc.Result;
import io.etcdfake.server.watch.WatchHub;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * etcd's v3election: leader election as Go's {@code concurrency.Election} runs it, on real keys.
 * Each candidate puts {@code name/<lease in hex>}; the oldest key is the leader and the others wait,
 * in create-revision order, for the keys older than theirs to be deleted.
 */
public final class Elections {
  /** etcd's LeaderKey: what a campaign answers and Proclaim and Resign take. */
  public record LeaderKey(ByteString name, ByteString key, long rev, long lease) {}

  /** A won campaign and the revision of the header etcd answers with (its first txn's). */
  public record Campaigned(LeaderKey leader, long revision) {}

  /** The current leader's key and the revision of the read that found it. */
  public record Leader(KeyValue kv, long revision) {}

  /** Receives what Observe sends: a header revision and the leader's key as of then. */
  @FunctionalInterface
  public interface Observer {
    void leader(long revision, KeyValue kv);

    /** False while the observer's client is not reading: changes are then held back and sent later. */
    default boolean ready() {
      return true;
    }
  }

  public static final String NOT_LEADER = "election: not leader";
  public static final String NO_LEADER = "election: no leader";
  public static final String MISSING_LEADER = "\"leader\" field must be provided";

  private final MvccStore store;
  private final Lessor lessor;
  private final WatchHub hub;
  private final Executor executor;

  /** {@code executor} runs the steps after a wait (a watched change arrived); it must not be the hub's thread. */
  public Elections(MvccStore store, Lessor lessor, WatchHub hub, Executor executor) {
    this.store = store;
    this.lessor = lessor;
    this.hub = hub;
    this.executor = executor;
  }

  /**
   * Completes when this candidate leads {@code name}; no thread waits meanwhile. A candidate already
   * in the race (same lease) keeps its place, and its value is proclaimed when it differs. Cancelled
   * (abandoned) campaigns resign, deleting their key.
   */
  public CompletableFuture<Campaigned> campaign(ByteString name, long lease, ByteString value, OpCheck check,
      CompletableFuture<?> abandoned) {
    LeaderKey leader;
    Result.Txn r;
    try {
      long leaseId = Recipes.sessionLease(lessor, lease);
      ByteString key = Recipes.keyOf(Recipes.prefixOf(name), leaseId);
      r = Recipes.txn(store, check, new Op.Txn(
          List.of(createIs(key, 0)),
          List.of(new Op.Put(key, value, leaseId, false, false, false)),
          List.of(Op.Range.of(key, ByteString.EMPTY))));
      leader = new LeaderKey(name, key, r.revision(), leaseId);
      if (!r.succeeded()) {
        KeyValue kv = ((Result.Range) r.responses().get(0)).kvs().get(0);
        leader = new LeaderKey(name, key, kv.createRevision(), leaseId);
        if (!kv.value().equals(value)) {
          try {
            proclaimOnce(leader, value, check);
          } catch (RuntimeException e) {
            resignOnce(leader, check);
            throw e;
          }
        }
      }
    } catch (RuntimeException e) {
      return Recipes.asClientErrors(CompletableFuture.failedFuture(e));
    }
    LeaderKey mine = leader;
    long header = r.revision();
    return Recipes.asClientErrors(
        Recipes.waitDeletes(store, hub, check, Recipes.prefixOf(name), mine.rev() - 1, new Cancel(abandoned), executor)
            .handleAsync((rev, failure) -> {
              if (failure != null) {
                if (Recipes.cause(failure) instanceof CancellationException) {
                  resignOnce(mine, OpCheck.NONE);
                }
                throw Recipes.rethrow(failure);
              }
              return new Campaigned(mine, header);
            }, executor));
  }

  /** Sets the leader's value, if {@code leader} still leads; answers the header revision. */
  public long proclaim(LeaderKey leader, ByteString value, OpCheck check) {
    return Recipes.asClientErrors(() -> proclaimOnce(required(leader), value, check));
  }

  /** Gives up leadership (deletes the key if it is still this leader's); answers the header revision. */
  public long resign(LeaderKey leader, OpCheck check) {
    return Recipes.asClientErrors(() -> resignOnce(required(leader), check));
  }

  /** The leader of {@code name}: its oldest key. */
  public Leader leader(ByteString name, OpCheck check) {
    return Recipes.asClientErrors(() -> {
      Result.Range r = Recipes.range(store, check, Recipes.firstCreated(Recipes.prefixOf(name)));
      if (r.kvs().isEmpty()) {
        throw new EtcdException(StatusCode.UNKNOWN, NO_LEADER);
      }
      return new Leader(r.kvs().get(0), r.revision());
    });
  }

  /**
   * Go's {@code Election.Observe}: sends the leader, then each new value it proclaims; when it goes,
   * waits for the next leader and sends that. The future ends only by {@code abandoned} (a
   * {@link CancellationException}) or an error; no thread waits meanwhile.
   */
  public CompletableFuture<Void> observe(ByteString name, OpCheck check, Observer observer,
      CompletableFuture<?> abandoned) {
    CompletableFuture<Void> ended = new CompletableFuture<>();
    observeRound(Recipes.prefixOf(name), check, observer, new Cancel(abandoned), ended);
    return Recipes.asClientErrors(ended);
  }

  /** One leader: send it and follow it until deleted, then the next round, on the executor. */
  private void observeRound(ByteString prefix, OpCheck check, Observer observer, Cancel cancel,
      CompletableFuture<Void> ended) {
    CompletableFuture<Void> round;
    try {
      Result.Range r = Recipes.range(store, check, Recipes.firstCreated(prefix));
      if (r.kvs().isEmpty()) {
        round = firstPut(prefix, r.revision(), cancel).thenComposeAsync(kv -> {
          // with several puts in one response the header would be the last; etcd uses the key's
          observer.leader(kv.modRevision(), kv);
          return followUntilDeleted(kv.key(), kv.modRevision() + 1, observer, cancel);
        }, executor);
      } else {
        KeyValue kv = r.kvs().get(0);
        observer.leader(r.revision(), kv);
        round = followUntilDeleted(kv.key(), r.revision() + 1, observer, cancel);
      }
    } catch (RuntimeException e) {
      round = CompletableFuture.failedFuture(e);
    }
    round.whenCompleteAsync((v, e) -> {
      if (e != null) {
        ended.completeExceptionally(e);
      } else {
        observeRound(prefix, check, observer, cancel, ended);
      }
    }, executor);
  }

  private CompletableFuture<KeyValue> firstPut(ByteString prefix, long fromRevision, Cancel cancel) {
    KeyValue[] first = new KeyValue[1];
    return KeyWatch.follow(hub, KeyRange.of(prefix, Recipes.prefixEnd(prefix)), fromRevision, cancel, (rev, events) -> {
      for (Event e : events) {
        if (e.type() == Event.Type.PUT) {
          first[0] = e.kv();
          return KeyWatch.Step.DONE;
        }
      }
      return KeyWatch.Step.MORE;
    }).thenApply(v -> first[0]);
  }

  private CompletableFuture<Void> followUntilDeleted(ByteString key, long fromRevision, Observer observer,
      Cancel cancel) {
    return KeyWatch.follow(hub, KeyRange.single(key), fromRevision, cancel, (rev, events) -> {
      if (!observer.ready()) {
        return KeyWatch.Step.BUSY;
      }
      for (Event e : events) {
        if (e.type() == Event.Type.DELETE) {
          return KeyWatch.Step.DONE;
        }
        observer.leader(rev, e.kv());
      }
      return KeyWatch.Step.MORE;
    });
  }

  private long proclaimOnce(LeaderKey leader, ByteString value, OpCheck check) {
    Result.Txn r = Recipes.txn(store, check, new Op.Txn(
        List.of(createIs(leader.key(), leader.rev())),
        List.of(new Op.Put(leader.key(), value, leader.lease(), false, false, false)),
        List.of()));
    if (!r.succeeded()) {
      throw new EtcdException(StatusCode.UNKNOWN, NOT_LEADER);
    }
    return r.revision();
  }

  /** A failed compare (no longer the leader) is no error, as in etcd. */
  private long resignOnce(LeaderKey leader, OpCheck check) {
    return Recipes.txn(store, check, new Op.Txn(
        List.of(createIs(leader.key(), leader.rev())),
        List.of(new Op.DeleteRange(leader.key(), ByteString.EMPTY, false)),
        List.of())).revision();
  }

  private static LeaderKey required(LeaderKey leader) {
    if (leader == null) {
      throw new EtcdException(StatusCode.UNKNOWN, MISSING_LEADER);
    }
    return leader;
  }

  private static Comparison createIs(ByteString key, long rev) {
    return new Comparison(key, ByteString.EMPTY, Comparison.Target.CREATE, Comparison.Result.EQUAL, rev,
        ByteString.EMPTY);
  }
}
