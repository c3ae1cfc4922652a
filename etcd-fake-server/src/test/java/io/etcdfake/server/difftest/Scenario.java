package io.etcdfake.server.difftest;

import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.AuthenticateResponse;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.MethodDescriptor;
import java.util.Objects;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.AssertionFailedError;

/**
 * One differential scenario: each call goes to the fake and to the real etcd, and the two answers
 * must be equal field by field (header identity aside), errors by code and exact description.
 *
 * <p>Revisions in requests are <em>relative</em>: {@code rev(1)} is the empty keyspace the scenario
 * starts from and {@code rev(2)} its first write. Every revision-valued request field above 0 is
 * moved to each side's own base, and every revision in a response is moved back, so answers compare
 * equal although the real etcd's revisions only grow from scenario to scenario. 0 and negative values
 * ("latest", "unset") are sent as they are.
 */
public final class Scenario {
  /**
   * The password scenarios give the root user, so that the harness can turn auth off on the real
   * etcd between scenarios.
   */
  public static final String ROOT_PASSWORD = "difftest-root";
  /** etcd's simple token: 16 letters, a dot, the raft index. */
  private static final Pattern SIMPLE_TOKEN = Pattern.compile("[a-zA-Z]{16}\\.[0-9]+");
  private final Side fake;
  private final Side reference;
  private final ExtensionContext context;
  private int calls;

  Scenario(Side fake, Side reference, ExtensionContext context) {
    this.fake = fake;
    this.reference = reference;
    this.context = context;
  }

  /** Relative revision {@code n}: 1 is the scenario's start, 2 its first write. Documents intent. */
  public static long rev(long n) {
    return n;
  }

  public Side fake() {
    return fake;
  }

  public Side reference() {
    return reference;
  }

  /** True when the real etcd is a 3.4, whose behaviour differs from 3.5 (what the fake implements) in places. */
  public boolean referenceIs34() {
    return reference.version().startsWith("3.4.");
  }

  /** Sends the request to both sides and requires equal answers; returns the fake's. */
  public <Q extends Message, A extends Message> Outcome<A> call(MethodDescriptor<Q, A> method, Q request) {
    Outcome<A> mine = fake.call(method, request);
    Outcome<A> theirs = reference.call(method, request);
    requireSame(method.getFullMethodName(), request, mine, theirs);
    return mine;
  }

  /**
   * A call where etcd 3.5 (which the fake follows) answers differently from 3.4: compared when the
   * reference is not a 3.4; otherwise sent to the fake only (a 3.4 may even crash on what 3.5
   * refuses) and reported with {@code why}. The caller asserts the 3.5 answer on the returned outcome.
   */
  public <Q extends Message, A extends Message> Outcome<A> call35(String why, MethodDescriptor<Q, A> method, Q request) {
    if (!referenceIs34()) {
      return call(method, request);
    }
    context.publishReportEntry("etcd 3.5 only", why + " (not compared with etcd " + reference.version() + ")");
    return fake.call(method, request);
  }

  /** Opens the same bidirectional stream on both sides (watch, lease keep-alive). */
  public <Q extends Message, A extends Message> StreamPair<Q, A> stream(MethodDescriptor<Q, A> method) {
    return new StreamPair<>(this, method, fake.openStream(method), reference.openStream(method));
  }

  /** Sends wire bytes to both sides as they are (no revisions moved) and requires equal answers. */
  public <A extends Message> Outcome<A> callBytes(String what, MethodDescriptor<byte[], A> method, byte[] request) {
    Outcome<A> mine = fake.callBytes(method, request);
    Outcome<A> theirs = reference.callBytes(method, request);
    requireSame(method.getFullMethodName() + " (" + what + ")", null, mine, theirs);
    return mine;
  }

  /** Fails with both answers printed unless they are equal. */
  void requireSame(String what, Message request, Outcome<?> mine, Outcome<?> theirs) {
    calls++;
    if (Objects.equals(mine, theirs)) {
      return;
    }
    String req = request == null ? "" : "request:\n" + TextFormat.printer().printToString(request);
    throw new AssertionFailedError(
        "call #" + calls + " " + what + ": the fake differs from etcd " + reference.version() + "\n" + req
            + "--- fake:\n" + mine + "\n--- etcd:\n" + theirs + "\n",
        theirs.toString(), mine.toString());
  }

  // auth: each side keeps its own token, sent with every later call (streams included)

  /**
   * Authenticates on both sides and, when both succeed, sends each side's token with every later
   * call. Tokens differ between servers, so they are compared by format only.
   */
  public Outcome<AuthenticateResponse> login(String user, String password) {
    AuthenticateRequest request = AuthenticateRequest.newBuilder().setName(user).setPassword(password).build();
    Outcome<AuthenticateResponse> mine = fake.call(AuthGrpc.getAuthenticateMethod(), request);
    Outcome<AuthenticateResponse> theirs = reference.call(AuthGrpc.getAuthenticateMethod(), request);
    requireSame(AuthGrpc.getAuthenticateMethod().getFullMethodName(), request, blurToken(mine), blurToken(theirs));
    if (!mine.isError()) {
      fake.token = mine.response().getToken();
      reference.token = theirs.response().getToken();
    }
    return mine;
  }

  /** Each side's current token (null for none), to switch back to with {@link #use(Login)}. */
  public record Login(String fakeToken, String referenceToken) {}

  public Login currentLogin() {
    return new Login(fake.token, reference.token);
  }

  public void use(Login login) {
    fake.token = login.fakeToken();
    reference.token = login.referenceToken();
  }

  /** Sends this literal token to both sides from now on (an unknown one, say). */
  public void useToken(String token) {
    fake.token = token;
    reference.token = token;
  }

  /** Sends no token from now on. */
  public void logout() {
    useToken(null);
  }

  private static Outcome<AuthenticateResponse> blurToken(Outcome<AuthenticateResponse> o) {
    if (o.isError()) {
      return o;
    }
    String token = o.response().getToken();
    String shape = SIMPLE_TOKEN.matcher(token).matches() ? "<simple token>" : "<malformed token " + token + ">";
    return new Outcome<>(o.response().toBuilder().setToken(shape).build(), o.code(), o.description());
  }

  // KV shortcuts, taking builders so that scenarios read short

  public Outcome<RangeResponse> range(RangeRequest.Builder request) {
    return call(KVGrpc.getRangeMethod(), request.build());
  }

  public Outcome<PutResponse> put(PutRequest.Builder request) {
    return call(KVGrpc.getPutMethod(), request.build());
  }

  public Outcome<DeleteRangeResponse> delete(DeleteRangeRequest.Builder request) {
    return call(KVGrpc.getDeleteRangeMethod(), request.build());
  }

  public Outcome<TxnResponse> txn(TxnRequest.Builder request) {
    return call(KVGrpc.getTxnMethod(), request.build());
  }

  public Outcome<CompactionResponse> compact(long relativeRevision) {
    return call(KVGrpc.getCompactMethod(), CompactionRequest.newBuilder().setRevision(relativeRevision).build());
  }
}
