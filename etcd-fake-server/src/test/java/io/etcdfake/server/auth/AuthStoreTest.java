package io.etcdfake.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcdfake.server.errors.EtcdError;
import io.etcdfake.server.errors.EtcdException;
import io.etcdfake.server.errors.StatusCode;
import io.etcdfake.server.mvcc.Comparison;
import io.etcdfake.server.mvcc.Op;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The auth store alone: revisions, tokens and their expiry, and the permission arithmetic. */
class AuthStoreTest {
  private static final ByteString NUL = ByteString.copyFrom(new byte[] {0});
  private final AtomicLong clock = new AtomicLong();
  private AuthStore auth;

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static void assertError(Runnable r, EtcdError expected) {
    assertThatThrownBy(r::run).isInstanceOf(EtcdException.class)
        .hasMessage(expected.message())
        .satisfies(e -> assertThat(((EtcdException) e).code()).isEqualTo(expected.code()));
  }

  @BeforeEach
  void fresh() {
    auth = new AuthStore(AuthStore.MIN_BCRYPT_COST, Duration.ofSeconds(300), clock::get);
  }

  private Caller enableWithRootAndLogin() {
    auth.userAdd(Caller.NONE, "root", "pw", false);
    auth.userGrantRole(Caller.NONE, "root", "root");
    auth.enable(Caller.NONE);
    return auth.caller(auth.authenticate("root", "pw"));
  }

  private Caller userWith(Caller root, Permission... perms) {
    auth.userAdd(root, "u", "upw", false);
    auth.roleAdd(root, "r");
    for (Permission p : perms) {
      auth.roleGrantPermission(root, "r", p);
    }
    auth.userGrantRole(root, "u", "r");
    return auth.caller(auth.authenticate("u", "upw"));
  }

  @Test
  void revisionCountsChangesOnlyAndStartsAtOne() {
    assertThat(auth.revision()).isEqualTo(1);
    auth.userAdd(Caller.NONE, "root", "pw", false);
    auth.roleAdd(Caller.NONE, "r");
    auth.userGrantRole(Caller.NONE, "root", "root");
    assertThat(auth.revision()).isEqualTo(4);
    auth.userGrantRole(Caller.NONE, "root", "root"); // repeated: ignored
    auth.userList(Caller.NONE);
    assertError(() -> auth.roleAdd(Caller.NONE, "r"), EtcdError.ROLE_ALREADY_EXIST);
    auth.enable(Caller.NONE); // no bump
    assertThat(auth.revision()).isEqualTo(4);
    Caller root = auth.caller(auth.authenticate("root", "pw"));
    auth.disable(root); // bumps
    assertThat(auth.revision()).isEqualTo(5);
    auth.disable(Caller.NONE); // already off: nothing
    assertThat(auth.status(Caller.NONE)).isEqualTo(new AuthStore.Status(false, 5));
  }

  @Test
  void tokensHaveEtcdsShapeAndExpireWhenUnused() {
    enableWithRootAndLogin();
    String token = auth.authenticate("root", "pw");
    assertThat(token).matches("[a-zA-Z]{16}\\.[0-9]+");
    clock.addAndGet(Duration.ofSeconds(299).toNanos());
    assertThat(auth.caller(token).user()).isEqualTo("root"); // use restarts the TTL
    clock.addAndGet(Duration.ofSeconds(299).toNanos());
    assertThat(auth.caller(token).user()).isEqualTo("root");
    clock.addAndGet(Duration.ofSeconds(300).toNanos());
    assertError(() -> auth.caller(token), EtcdError.INVALID_AUTH_TOKEN);
  }

  @Test
  void tokensAreIgnoredWhileAuthIsOff() {
    assertThat(auth.caller("whatever")).isEqualTo(Caller.NONE);
    assertThat(auth.caller(null)).isEqualTo(Caller.NONE);
  }

  @Test
  void disablingDropsEveryToken() {
    Caller root = enableWithRootAndLogin();
    String token = auth.authenticate("root", "pw");
    auth.disable(root);
    auth.enable(Caller.NONE);
    assertError(() -> auth.caller(token), EtcdError.INVALID_AUTH_TOKEN);
  }

  @Test
  void passwordsAreBcryptHashedAndChecked() {
    enableWithRootAndLogin();
    assertError(() -> auth.authenticate("root", "PW"), EtcdError.AUTH_FAILED);
    assertError(() -> auth.authenticate("nobody", "pw"), EtcdError.AUTH_FAILED);
    assertThatThrownBy(() -> auth.userAdd(Caller.NONE, "long", "x".repeat(73), false))
        .isInstanceOf(EtcdException.class)
        .satisfies(e -> assertThat(((EtcdException) e).code()).isEqualTo(StatusCode.UNKNOWN));
  }

  @Test
  void noPasswordUsersNeverAuthenticate() {
    auth.userAdd(Caller.NONE, "cn", "", true);
    enableWithRootAndLogin();
    assertThatThrownBy(() -> auth.authenticate("cn", ""))
        .hasMessage("auth: authentication failed, password was given for no password user");
  }

  @Test
  void pointRangePrefixAndFromKeyPermissions() {
    Caller root = enableWithRootAndLogin();
    Caller u = userWith(root,
        new Permission(Permission.Type.READ, b("k"), ByteString.EMPTY),
        new Permission(Permission.Type.READWRITE, b("p/"), b("p0")),
        new Permission(Permission.Type.WRITE, b("w1"), b("w5")),
        new Permission(Permission.Type.READ, b("z"), NUL));
    auth.checkRead(u, b("k"), ByteString.EMPTY);
    assertError(() -> auth.checkWrite(u, b("k"), ByteString.EMPTY), EtcdError.PERMISSION_DENIED);
    assertError(() -> auth.checkRead(u, b("k"), b("l")), EtcdError.PERMISSION_DENIED); // [k, l) is more than k
    auth.checkRead(u, b("k"), b("k\0")); // exactly the key
    auth.checkRead(u, b("p/a"), ByteString.EMPTY);
    auth.checkWrite(u, b("p/"), b("p0"));
    auth.checkWrite(u, b("w1"), b("w5"));
    assertError(() -> auth.checkWrite(u, b("w1"), b("w6")), EtcdError.PERMISSION_DENIED);
    assertError(() -> auth.checkRead(u, b("w2"), ByteString.EMPTY), EtcdError.PERMISSION_DENIED);
    auth.checkRead(u, b("zzz"), ByteString.EMPTY);
    auth.checkRead(u, b("z1"), NUL);
    assertError(() -> auth.checkRead(u, b("y"), NUL), EtcdError.PERMISSION_DENIED);
    auth.checkRead(u, b("p/1"), b("p/1")); // an empty interval inside a permission passes, as in etcd
  }

  @Test
  void adjacentPermissionsJoinUp() {
    Caller root = enableWithRootAndLogin();
    Caller u = userWith(root,
        new Permission(Permission.Type.READ, b("a"), ByteString.EMPTY),
        new Permission(Permission.Type.READ, b("a\0"), b("c")),
        new Permission(Permission.Type.READ, b("b"), b("e")));
    auth.checkRead(u, b("a"), b("e"));
    assertError(() -> auth.checkRead(u, b("a"), b("f")), EtcdError.PERMISSION_DENIED);
  }

  @Test
  void txnChecksComparesAndEveryBranchNestedOnesToo() {
    Caller root = enableWithRootAndLogin();
    Caller u = userWith(root, new Permission(Permission.Type.READWRITE, b("ok"), ByteString.EMPTY));
    Op.Txn fine = new Op.Txn(
        List.of(new Comparison(b("ok"), ByteString.EMPTY, Comparison.Target.VERSION, Comparison.Result.EQUAL, 0, ByteString.EMPTY)),
        List.of(Op.Put.of(b("ok"), b("v"))), List.of(Op.Range.of(b("ok"), ByteString.EMPTY)));
    auth.checkTxn(u, fine);
    Op.Txn nested = new Op.Txn(List.of(), List.of(), List.of(new Op.Txn(List.of(), List.of(Op.Put.of(b("no"), b("v"))), List.of())));
    assertError(() -> auth.checkTxn(u, nested), EtcdError.PERMISSION_DENIED);
    auth.checkTxn(root, nested);
  }

  @Test
  void leaseKeysNeedWrite() {
    Caller root = enableWithRootAndLogin();
    Caller u = userWith(root, new Permission(Permission.Type.READWRITE, b("mine"), ByteString.EMPTY));
    auth.setLeaseKeys(id -> id == 7 ? List.of(b("mine"), b("theirs")) : List.of(b("mine")));
    auth.checkLeaseKeys(u, 8);
    assertError(() -> auth.checkLeaseKeys(u, 7), EtcdError.PERMISSION_DENIED);
    assertError(() -> auth.checkPut(u, new Op.Put(b("mine"), b("v"), 7, false, false, false)), EtcdError.PERMISSION_DENIED);
    auth.checkLeaseKeys(root, 7);
  }

  @Test
  void anonymousCallersAreAskedForAUserName() {
    enableWithRootAndLogin();
    assertError(() -> auth.checkRead(Caller.NONE, b("k"), ByteString.EMPTY), EtcdError.USER_EMPTY);
    assertError(() -> auth.checkAdmin(Caller.NONE), EtcdError.USER_EMPTY);
    assertError(() -> auth.userList(Caller.NONE), EtcdError.USER_EMPTY);
  }

  @Test
  void deletingARoleTakesItFromItsUsers() {
    auth.userAdd(Caller.NONE, "u", "pw", false);
    auth.roleAdd(Caller.NONE, "a");
    auth.roleAdd(Caller.NONE, "b");
    auth.userGrantRole(Caller.NONE, "u", "b");
    auth.userGrantRole(Caller.NONE, "u", "a");
    assertThat(auth.userGet(Caller.NONE, "u")).containsExactly("a", "b");
    auth.roleDelete(Caller.NONE, "a");
    assertThat(auth.userGet(Caller.NONE, "u")).containsExactly("b");
  }

  @Test
  void resetIsAFreshStore() {
    enableWithRootAndLogin();
    auth.reset();
    assertThat(auth.isEnabled()).isFalse();
    assertThat(auth.revision()).isEqualTo(1);
    assertThat(auth.userList(Caller.NONE)).isEmpty();
    assertThat(auth.roleList(Caller.NONE)).isEmpty();
  }
}
