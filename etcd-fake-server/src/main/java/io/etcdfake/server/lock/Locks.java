package io.etcdfake.server.lock;

import com.google.protobuf.ByteString;
import io.etcdfake.server.errors.EtcdException;
import io.etcdfake.server.errors.StatusCode;
import io.etcdfake.server.lease.Lessor;
import io.etcdfake.server.mvcc.Comparison;
import io.etcdfake.server.mvcc.KeyValue;
import io.etcdfake.server.mvcc.MvccStore;
import io.etcdfake.server.mvcc.Op;
import io.etcdfake.server.mvcc.Result;
import io.etcdfake.server.watch.WatchHub;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * etcd's v3lock: distributed locks as real keys in the store, taken the way Go's
 * {@code concurrency.Mutex} takes them. A lock on {@code name} with lease L is the key
 * {@code name/<L in hex>}; holders queue by create revision and each waits for the next older key
 * to be deleted, so the lock passes on in FIFO order when a holder unlocks or its lease expires.
 */
public final class Locks {
  /** A held lock: its key, and the revision of the response header etcd answers with. */
  public record Held(ByteString key, long revision) {}

  private final MvccStore store;
  private final Lessor lessor;
  private final WatchHub hub;
  private final Executor executor;

  /** {@code executor} runs the steps after a wait (a watched delete arrived); it must not be the hub's thread. */
  public Locks(MvccStore store, Lessor lessor, WatchHub hub, Executor executor) {
    this.store = store;
    this.lessor = lessor;
    this.hub = hub;
    this.executor = executor;
  }

  /**
   * Completes when the lock on {@code name} is held with {@code lease} (0: a new 60 s lease); no
   * thread waits meanwhile. When {@code abandoned} completes first (the call was cancelled) the
   * waiting key is deleted and the future fails with a {@link java.util.concurrent.CancellationException}.
   * Errors are etcd's, as gRPC Unknown.
   */
  public CompletableFuture<Held> lock(ByteString name, long lease, OpCheck check, CompletableFuture<?> abandoned) {
    ByteString myKey;
    long myRev;
    ByteString prefix;
    try {
      long leaseId = Recipes.sessionLease(lessor, lease);
      prefix = Recipes.prefixOf(name);
      myKey = Recipes.keyOf(prefix, leaseId);
      Op.Txn acquire = new Op.Txn(
          List.of(new Comparison(myKey, ByteString.EMPTY, Comparison.Target.CREATE, Comparison.Result.EQUAL, 0,
              ByteString.EMPTY)),
          List.of(new Op.Put(myKey, ByteString.EMPTY, leaseId, false, false, false), Recipes.firstCreated(prefix)),
          List.of(Op.Range.of(myKey, ByteString.EMPTY), Recipes.firstCreated(prefix)));
      Result.Txn r = Recipes.txn(store, check, acquire);
      // the same lease locking again finds its own key and keeps its place in the queue
      myRev = r.succeeded() ? r.revision() : ((Result.Range) r.responses().get(0)).kvs().get(0).createRevision();
      List<KeyValue> owner = ((Result.Range) r.responses().get(1)).kvs();
      if (owner.isEmpty() || owner.get(0).createRevision() == myRev) {
        return CompletableFuture.completedFuture(new Held(myKey, r.revision()));
      }
    } catch (RuntimeException e) {
      return Recipes.asClientErrors(CompletableFuture.failedFuture(e));
    }
    return Recipes.asClientErrors(Recipes.waitDeletes(store, hub, check, prefix, myRev - 1, new Cancel(abandoned), executor)
        .handleAsync((rev, failure) -> {
          if (failure != null) {
            Recipes.delete(store, OpCheck.NONE, myKey);
            throw Recipes.rethrow(failure);
          }
          // etcd 3.5: the key may have gone with its lease while waiting (3.4 reported the lock held)
          Result.Range mine = Recipes.range(store, check, Op.Range.of(myKey, ByteString.EMPTY));
          if (mine.kvs().isEmpty()) {
            throw new EtcdException(StatusCode.UNKNOWN, "mutex: session is expired");
          }
          return new Held(myKey, mine.revision());
        }, executor));
  }

  /** etcd's Unlock: a plain delete of the key (a missing key is fine); answers the delete's revision. */
  public long unlock(ByteString key, OpCheck check) {
    return Recipes.asClientErrors(() -> Recipes.delete(store, check, key).revision());
  }
}
