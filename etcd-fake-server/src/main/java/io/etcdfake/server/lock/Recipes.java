package io.etcdfake.server.lock;

import com.google.protobuf.ByteString;
import io.etcdfake.server.errors.EtcdException;
import io.etcdfake.server.errors.StatusCode;
import io.etcdfake.server.lease.Lessor;
import io.etcdfake.server.mvcc.Event;
import io.etcdfake.server.mvcc.KeyRange;
import io.etcdfake.server.mvcc.MvccStore;
import io.etcdfake.server.mvcc.Op;
import io.etcdfake.server.mvcc.Result;
import io.etcdfake.server.watch.WatchHub;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The pieces of etcd's client-side concurrency recipes (Go's {@code clientv3/concurrency}) that
 * both the Lock and the Election service run inside the server: session leases, key names, the
 * "first created" read and the wait for older keys to go.
 */
public final class Recipes {
  /** The TTL of the session lease etcd grants when a request names lease 0. */
  public static final long SESSION_TTL_SECONDS = 60;

  private Recipes() {}

  /** The lease to use: the given one, or (for 0) a new 60 s lease that nobody keeps alive, as etcd's orphaned session. */
  public static long sessionLease(Lessor lessor, long lease) {
    return lease != 0 ? lease : lessor.grant(0, SESSION_TTL_SECONDS).id();
  }

  /** {@code prefix} + the lease id in lower-case hex without padding, as Go's {@code %x} prints an int64. */
  public static ByteString keyOf(ByteString prefix, long lease) {
    String hex = lease < 0 ? "-" + Long.toHexString(-lease) : Long.toHexString(lease);
    return prefix.concat(ByteString.copyFromUtf8(hex));
  }

  public static ByteString prefixOf(ByteString name) {
    return name.concat(ByteString.copyFromUtf8("/"));
  }

  /** The end of the range of every key starting with {@code prefix} (etcd's GetPrefixRangeEnd). */
  public static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }

  /** Go's {@code OpGet(prefix, WithFirstCreate())}: the oldest key under the prefix. */
  public static Op.Range firstCreated(ByteString prefix) {
    return new Op.Range(prefix, prefixEnd(prefix), 1, 0, Op.Range.SORT_ASCEND, Op.Range.TARGET_CREATE,
        false, false, false, 0, 0, 0, 0);
  }

  public static Result.Range range(MvccStore store, OpCheck check, Op.Range r) {
    check.check(r);
    return store.range(r);
  }

  public static Result.DeleteRange delete(MvccStore store, OpCheck check, ByteString key) {
    Op.DeleteRange d = new Op.DeleteRange(key, ByteString.EMPTY, false);
    check.check(d);
    return store.deleteRange(d, 0);
  }

  public static Result.Txn txn(MvccStore store, OpCheck check, Op.Txn t) {
    check.check(t);
    return store.txn(t, 0);
  }

  /**
   * Go's {@code waitDeletes}: until no key under {@code prefix} is older than {@code maxCreateRevision}
   * (inclusive), watch the youngest of them, from the read's revision, until it is deleted. Completes
   * with the revision of the last read. No thread waits: each read after the first runs on
   * {@code executor} when the watched key's delete arrives.
   */
  public static CompletableFuture<Long> waitDeletes(MvccStore store, WatchHub hub, OpCheck check, ByteString prefix,
      long maxCreateRevision, Cancel cancel, Executor executor) {
    Op.Range older = new Op.Range(prefix, prefixEnd(prefix), 1, 0, Op.Range.SORT_DESCEND, Op.Range.TARGET_CREATE,
        false, false, false, 0, 0, 0, maxCreateRevision);
    if (cancel.isCancelled()) {
      return CompletableFuture.failedFuture(Cancel.exception());
    }
    Result.Range r;
    try {
      r = range(store, check, older);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (r.kvs().isEmpty()) {
      return CompletableFuture.completedFuture(r.revision());
    }
    return KeyWatch.follow(hub, KeyRange.single(r.kvs().get(0).key()), r.revision(), cancel, (rev, events) -> {
      for (Event e : events) {
        if (e.type() == Event.Type.DELETE) {
          return KeyWatch.Step.DONE;
        }
      }
      return KeyWatch.Step.MORE;
    }).thenComposeAsync(v -> waitDeletes(store, hub, check, prefix, maxCreateRevision, cancel, executor), executor);
  }

  /** The failure itself, out of the {@link CompletionException} a dependent stage wraps it in. */
  public static Throwable cause(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Rethrows a failure from a future unchecked (errors as they are), for a stage that runs on after cleaning up. */
  public static RuntimeException rethrow(Throwable t) {
    Throwable c = cause(t);
    if (c instanceof RuntimeException re) {
      throw re;
    }
    if (c instanceof Error err) {
      throw err;
    }
    throw new CompletionException(c);
  }

  /** {@link #asClientErrors(Supplier)} for a recipe that completes later. */
  public static <T> CompletableFuture<T> asClientErrors(CompletableFuture<T> recipe) {
    return recipe.handle((v, e) -> {
      if (e == null) {
        return v;
      }
      return asClientErrors((Supplier<T>) () -> {
        throw rethrow(e);
      });
    });
  }

  /**
   * Runs a recipe step as etcd's services do: their inner client turns every server error into a
   * plain error, which reaches the caller as gRPC Unknown with the same text.
   */
  public static <T> T asClientErrors(Supplier<T> body) {
    try {
      return body.get();
    } catch (EtcdException e) {
      if (e.code() == StatusCode.UNKNOWN) {
        throw e;
      }
      throw new EtcdException(StatusCode.UNKNOWN, e.getMessage());
    }
  }
}
