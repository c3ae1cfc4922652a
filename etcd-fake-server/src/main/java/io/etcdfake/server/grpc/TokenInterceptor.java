package io.etcdfake.server.grpc;

import io.etcdfake.server.auth.AuthStore;
import io.etcdfake.server.auth.Caller;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Carries the auth token of each call (metadata {@code token}, or {@code authorization} as etcd's
 * gateway sends it) to the services. It refuses nothing itself: as in etcd, a bad token is an error
 * only for the calls that look at the caller, so Authenticate or Status still work with one.
 */
public final class TokenInterceptor implements ServerInterceptor {
  private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> CALL_TOKEN = Context.key("etcd-auth-token");

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    String token = headers.get(TOKEN);
    if (token == null) {
      token = headers.get(AUTHORIZATION);
    }
    if (token == null) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(Context.current().withValue(CALL_TOKEN, token), call, headers, next);
  }

  /** The token of the call being served, or null. Read it on the thread gRPC calls the service on. */
  public static String token() {
    return CALL_TOKEN.get();
  }

  /** The caller of the call being served; an unknown or expired token is refused with etcd's error. */
  public static Caller caller(AuthStore auth) {
    return auth.caller(token());
  }
}
