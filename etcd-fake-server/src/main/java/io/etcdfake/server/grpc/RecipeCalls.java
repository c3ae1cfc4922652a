package io.etcdfake.server.grpc;

import io.etcdfake.server.auth.AuthStore;
import io.etcdfake.server.auth.Caller;
import io.etcdfake.server.lock.OpCheck;
import io.etcdfake.server.mvcc.Op;
import io.grpc.Context;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** What the Lock and Election adapters share: the caller's auth checks and the call's cancellation. */
final class RecipeCalls {
  private static final Executor DIRECT = Runnable::run;

  private RecipeCalls() {}

  /**
   * The auth checks each inner KV request of a recipe meets, as the caller's own request would. The
   * token is read now, on the call's thread; it is looked at only when auth is on and a request is made.
   */
  static OpCheck authChecks(AuthStore auth) {
    String token = TokenInterceptor.token();
    return new OpCheck() {
      private Caller who;

      @Override
      public void check(Op op) {
        if (!auth.isEnabled()) {
          return;
        }
        if (who == null) {
          who = auth.caller(token);
        }
        if (op instanceof Op.Range r) {
          auth.checkRead(who, r.key(), r.rangeEnd());
        } else if (op instanceof Op.Put p) {
          auth.checkPut(who, p);
        } else if (op instanceof Op.DeleteRange d) {
          auth.checkDelete(who, d);
        } else if (op instanceof Op.Txn t) {
          auth.checkTxn(who, t);
        }
      }
    };
  }

  /** Completes when the current call is cancelled (client cancel, deadline, server shutdown) or done. */
  static CompletableFuture<Void> abandonment() {
    CompletableFuture<Void> abandoned = new CompletableFuture<>();
    Context.current().addListener(c -> abandoned.complete(null), DIRECT);
    return abandoned;
  }
}
