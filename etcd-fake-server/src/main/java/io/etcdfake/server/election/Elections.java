package io.etcdfake.server.election;

import com.google.protobuf.ByteString;
import io.etcdfake.server.errors.EtcdException;
import io.etcdfake.server.errors.StatusCode;
import io.etcdfake.server.lease.Lessor;
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
  }

  public static final String NOT_LEADER = "election: not leader";
  public static final String NO_LEADER = "election: no leader";
  public static final String MISSING_LEADER = "\"leader\" field must be provided";

  private final MvccStore store;
  private final Lessor lessor;
  private final WatchHub hub;

  public Elections(MvccStore store, Lessor lessor, WatchHub hub) {
    this.store = store;
    this.lessor = lessor;
    this.hub = hub;
  }

  /**
   * Blocks until this candidate leads {@code name}. A candidate already in the race (same lease)
   * keeps its place, and its value is proclaimed when it differs. Cancelled (abandoned) campaigns
   * resign, deleting their key.
   */
  public Campaigned campaign(ByteString name, long lease, ByteString value, OpCheck check,
      CompletableFuture<?> abandoned) {
    return Recipes.asClientErrors(() -> {
      long leaseId = Recipes.sessionLease(lessor, lease);
      ByteString prefix = Recipes.prefixOf(name);
      ByteString key = Recipes.keyOf(prefix, leaseId);
      Result.Txn r = Recipes.txn(store, check, new Op.Txn(
          List.of(createIs(key, 0)),
          List.of(new Op.Put(key, value, leaseId, false, false, false)),
          List.of(Op.Range.of(key, ByteString.EMPTY))));
      LeaderKey leader = new LeaderKey(name, key, r.revision(), leaseId);
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
      try {
        Recipes.waitDeletes(store, hub, check, prefix, leader.rev() - 1, abandoned);
      } catch (CancellationException e) {
        resignOnce(leader, OpCheck.NONE);
        throw e;
      }
      return new Campaigned(leader, r.revision());
    });
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
   * waits for the next leader and sends that. Returns only by {@code abandoned} (a
   * {@link CancellationException}) or an error.
   */
  public void observe(ByteString name, OpCheck check, Observer observer, CompletableFuture<?> abandoned) {
    Recipes.asClientErrors(() -> {
      ByteString prefix = Recipes.prefixOf(name);
      while (true) {
        Result.Range r = Recipes.range(store, check, Recipes.firstCreated(prefix));
        KeyValue kv;
        long revision;
        if (r.kvs().isEmpty()) {
          kv = firstPut(prefix, r.revision(), abandoned);
          // with several puts in one response the header would be the last; etcd uses the key's
          revision = kv.modRevision();
        } else {
          kv = r.kvs().get(0);
          revision = r.revision();
        }
        observer.leader(revision, kv);
        followUntilDeleted(kv.key(), revision + 1, observer, abandoned);
      }
    });
  }

  private KeyValue firstPut(ByteString prefix, long fromRevision, CompletableFuture<?> abandoned) {
    try (KeyWatch w = new KeyWatch(hub, KeyRange.of(prefix, Recipes.prefixEnd(prefix)), fromRevision, abandoned)) {
      while (true) {
        for (Event e : w.next().events()) {
          if (e.type() == Event.Type.PUT) {
            return e.kv();
          }
        }
      }
    }
  }

  private void followUntilDeleted(ByteString key, long fromRevision, Observer observer,
      CompletableFuture<?> abandoned) {
    try (KeyWatch w = new KeyWatch(hub, KeyRange.single(key), fromRevision, abandoned)) {
      while (true) {
        KeyWatch.Batch b = w.next();
        for (Event e : b.events()) {
          if (e.type() == Event.Type.DELETE) {
            return;
          }
          observer.leader(b.revision(), e.kv());
        }
      }
    }
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
