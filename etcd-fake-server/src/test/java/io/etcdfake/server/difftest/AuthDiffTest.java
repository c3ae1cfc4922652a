package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.Kv.all;
import static io.etcdfake.server.difftest.Kv.bytes;
import static io.etcdfake.server.difftest.Kv.compare;
import static io.etcdfake.server.difftest.Kv.delete;
import static io.etcdfake.server.difftest.Kv.deletePrefix;
import static io.etcdfake.server.difftest.Kv.get;
import static io.etcdfake.server.difftest.Kv.op;
import static io.etcdfake.server.difftest.Kv.prefix;
import static io.etcdfake.server.difftest.Kv.prefixEnd;
import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Kv.range;
import static io.etcdfake.server.difftest.Kv.txn;
import static io.etcdfake.server.difftest.Scenario.ROOT_PASSWORD;
import static io.etcdfake.server.difftest.Scenario.rev;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.AuthDisableRequest;
import io.etcd.jetcd.api.AuthEnableRequest;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthRoleAddRequest;
import io.etcd.jetcd.api.AuthRoleDeleteRequest;
import io.etcd.jetcd.api.AuthRoleGetRequest;
import io.etcd.jetcd.api.AuthRoleGetResponse;
import io.etcd.jetcd.api.AuthRoleGrantPermissionRequest;
import io.etcd.jetcd.api.AuthRoleListRequest;
import io.etcd.jetcd.api.AuthRoleRevokePermissionRequest;
import io.etcd.jetcd.api.AuthUserAddRequest;
import io.etcd.jetcd.api.AuthUserChangePasswordRequest;
import io.etcd.jetcd.api.AuthUserDeleteRequest;
import io.etcd.jetcd.api.AuthUserGetRequest;
import io.etcd.jetcd.api.AuthUserGrantRoleRequest;
import io.etcd.jetcd.api.AuthUserListRequest;
import io.etcd.jetcd.api.AuthUserRevokeRoleRequest;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.Permission;
import io.etcd.jetcd.api.RangeResponse;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/**
 * Auth: users, roles, permissions, enable / disable, tokens, and what a user may do with each
 * permission, against a real etcd. Every scenario that enables auth gives root {@link Scenario#ROOT_PASSWORD}.
 */
@Differential
class AuthDiffTest {

  // ---------------------------------------------------------------- helpers

  static void userAdd(Scenario s, String name, String password) {
    s.call(AuthGrpc.getUserAddMethod(), AuthUserAddRequest.newBuilder().setName(name).setPassword(password).build());
  }

  static void roleAdd(Scenario s, String name) {
    s.call(AuthGrpc.getRoleAddMethod(), AuthRoleAddRequest.newBuilder().setName(name).build());
  }

  static void grantRole(Scenario s, String user, String role) {
    s.call(AuthGrpc.getUserGrantRoleMethod(), AuthUserGrantRoleRequest.newBuilder().setUser(user).setRole(role).build());
  }

  static void grant(Scenario s, String role, Permission.Type type, String key, ByteString end) {
    s.call(AuthGrpc.getRoleGrantPermissionMethod(), AuthRoleGrantPermissionRequest.newBuilder().setName(role)
        .setPerm(Permission.newBuilder().setPermType(type).setKey(bytes(key)).setRangeEnd(end)).build());
  }

  private static void userGet(Scenario s, String name) {
    s.call(AuthGrpc.getUserGetMethod(), AuthUserGetRequest.newBuilder().setName(name).build());
  }

  private static AuthRoleGetResponse roleGet(Scenario s, String name) {
    return s.call(AuthGrpc.getRoleGetMethod(), AuthRoleGetRequest.newBuilder().setRole(name).build()).response();
  }

  private static Outcome<?> enable(Scenario s) {
    return s.call(AuthGrpc.getAuthEnableMethod(), AuthEnableRequest.getDefaultInstance());
  }

  private static Outcome<?> disable(Scenario s) {
    return s.call(AuthGrpc.getAuthDisableMethod(), AuthDisableRequest.getDefaultInstance());
  }

  private static void userList(Scenario s) {
    s.call(AuthGrpc.getUserListMethod(), AuthUserListRequest.getDefaultInstance());
  }

  private static void roleList(Scenario s) {
    s.call(AuthGrpc.getRoleListMethod(), AuthRoleListRequest.getDefaultInstance());
  }

  /** root (with the root role) and auth on, as {@code etcdctl user add root; etcdctl auth enable} leave it. */
  static void rootAndEnable(Scenario s) {
    userAdd(s, "root", ROOT_PASSWORD);
    grantRole(s, "root", "root");
    assertThat(enable(s).isError()).isFalse();
  }

  /**
   * alice with role "r": READ on key a, READWRITE on prefix p/, WRITE on [w1, w5), READ from z on;
   * auth on, logged in as alice.
   */
  static void aliceWithPermissions(Scenario s) {
    s.put(put("a", "1"));
    s.put(put("p/1", "2"));
    s.put(put("w2", "3"));
    s.put(put("z1", "4"));
    userAdd(s, "alice", "alice-pw");
    roleAdd(s, "r");
    grant(s, "r", Permission.Type.READ, "a", ByteString.EMPTY);
    grant(s, "r", Permission.Type.READWRITE, "p/", prefixEnd("p/"));
    grant(s, "r", Permission.Type.WRITE, "w1", bytes("w5"));
    grant(s, "r", Permission.Type.READ, "z", bytes(Kv.FROM_KEY));
    grantRole(s, "alice", "r");
    rootAndEnable(s);
    assertThat(s.login("alice", "alice-pw").isError()).isFalse();
  }

  // ---------------------------------------------------------------- auth off

  @Test
  void authenticateWhileAuthIsOff(Scenario s) {
    assertThat(s.login("root", "x").code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    userAdd(s, "root", "pw");
    s.login("root", "pw");
  }

  @Test
  void enableNeedsARootUserWithTheRootRole(Scenario s) {
    enable(s);
    userAdd(s, "root", ROOT_PASSWORD);
    enable(s);
    roleAdd(s, "root");
    enable(s);
    grantRole(s, "root", "root");
    enable(s);
    enable(s);
    s.range(all());
  }

  @Test
  void rootRoleMayBeGrantedBeforeItExists(Scenario s) {
    userAdd(s, "root", ROOT_PASSWORD);
    grantRole(s, "root", "root");
    userGet(s, "root");
    roleList(s);
    roleGet(s, "root");
    enable(s);
  }

  @Test
  void userAndRoleErrors(Scenario s) {
    userAdd(s, "", "pw");
    userAdd(s, "u", "pw");
    userAdd(s, "u", "other");
    roleAdd(s, "");
    roleAdd(s, "r");
    roleAdd(s, "r");
    userGet(s, "nobody");
    userGet(s, "");
    roleGet(s, "nothing");
    grantRole(s, "nobody", "r");
    grantRole(s, "u", "nothing");
    grantRole(s, "u", "r");
    grantRole(s, "u", "r");
    s.call(AuthGrpc.getUserRevokeRoleMethod(), AuthUserRevokeRoleRequest.newBuilder().setName("u").setRole("nothing").build());
    s.call(AuthGrpc.getUserRevokeRoleMethod(), AuthUserRevokeRoleRequest.newBuilder().setName("nobody").setRole("r").build());
    s.call(AuthGrpc.getUserRevokeRoleMethod(), AuthUserRevokeRoleRequest.newBuilder().setName("u").setRole("r").build());
    s.call(AuthGrpc.getUserRevokeRoleMethod(), AuthUserRevokeRoleRequest.newBuilder().setName("u").setRole("r").build());
    s.call(AuthGrpc.getRoleRevokePermissionMethod(), AuthRoleRevokePermissionRequest.newBuilder().setRole("r").setKey(bytes("k")).build());
    s.call(AuthGrpc.getRoleRevokePermissionMethod(), AuthRoleRevokePermissionRequest.newBuilder().setRole("nothing").setKey(bytes("k")).build());
    grant(s, "nothing", Permission.Type.READ, "k", ByteString.EMPTY);
    s.call(AuthGrpc.getRoleDeleteMethod(), AuthRoleDeleteRequest.newBuilder().setRole("nothing").build());
    s.call(AuthGrpc.getUserDeleteMethod(), AuthUserDeleteRequest.newBuilder().setName("nobody").build());
    s.call(AuthGrpc.getUserChangePasswordMethod(), AuthUserChangePasswordRequest.newBuilder().setName("nobody").setPassword("x").build());
    // none of this touched the KV revision
    assertThat(s.range(all()).ok().getHeader().getRevision()).isEqualTo(rev(1));
  }

  @Test
  void listsAreSortedAndRolesFollowDeletes(Scenario s) {
    for (String u : new String[] {"carol", "alice", "bob"}) {
      userAdd(s, u, "pw");
    }
    for (String r : new String[] {"zeta", "alpha", "mid"}) {
      roleAdd(s, r);
    }
    grantRole(s, "alice", "zeta");
    grantRole(s, "alice", "alpha");
    grantRole(s, "alice", "mid");
    grantRole(s, "bob", "mid");
    userList(s);
    roleList(s);
    userGet(s, "alice");
    s.call(AuthGrpc.getRoleDeleteMethod(), AuthRoleDeleteRequest.newBuilder().setRole("mid").build());
    userGet(s, "alice");
    userGet(s, "bob");
    roleList(s);
    s.call(AuthGrpc.getUserDeleteMethod(), AuthUserDeleteRequest.newBuilder().setName("carol").build());
    userList(s);
  }

  @Test
  void permissionsAreKeptSortedAndUpdatedInPlace(Scenario s) {
    roleAdd(s, "r");
    grant(s, "r", Permission.Type.READ, "m", ByteString.EMPTY);
    grant(s, "r", Permission.Type.WRITE, "b", bytes("d"));
    grant(s, "r", Permission.Type.READWRITE, "p/", prefixEnd("p/"));
    grant(s, "r", Permission.Type.READ, "z", bytes(Kv.FROM_KEY));
    grant(s, "r", Permission.Type.READ, "", bytes(Kv.FROM_KEY));
    roleGet(s, "r");
    grant(s, "r", Permission.Type.READWRITE, "m", ByteString.EMPTY);
    // the same key with another range end is a second permission
    grant(s, "r", Permission.Type.READ, "b", bytes("c"));
    grant(s, "r", Permission.Type.WRITE, "b", bytes("c"));
    roleGet(s, "r");
    s.call(AuthGrpc.getRoleRevokePermissionMethod(), AuthRoleRevokePermissionRequest.newBuilder().setRole("r")
        .setKey(bytes("b")).setRangeEnd(bytes("d")).build());
    s.call(AuthGrpc.getRoleRevokePermissionMethod(), AuthRoleRevokePermissionRequest.newBuilder().setRole("r")
        .setKey(bytes("m")).build());
    roleGet(s, "r");
  }

  @Test
  void grantPermissionWithoutOne(Scenario s) {
    roleAdd(s, "r");
    // etcd 3.4 crashes on this one
    Outcome<?> o = s.call35("3.5 refuses a grant without a permission", AuthGrpc.getRoleGrantPermissionMethod(),
        AuthRoleGrantPermissionRequest.newBuilder().setName("r").build());
    assertThat(o.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(o.description()).isEqualTo("etcdserver: permission not given");
  }

  @Test
  void rootRoleReportsEverything(Scenario s) {
    roleAdd(s, "root");
    grant(s, "root", Permission.Type.READ, "k", ByteString.EMPTY);
    AuthRoleGetResponse r = (AuthRoleGetResponse) s.call35("3.5 reports the root role's real power, 3.4 its stored permissions",
        AuthGrpc.getRoleGetMethod(), AuthRoleGetRequest.newBuilder().setRole("root").build()).ok();
    assertThat(r.getPermList()).singleElement().satisfies(p -> {
      assertThat(p.getPermType()).isEqualTo(Permission.Type.READWRITE);
      assertThat(p.getKey()).isEqualTo(ByteString.EMPTY);
      assertThat(p.getRangeEnd()).isEqualTo(bytes(Kv.FROM_KEY));
    });
  }

  // ---------------------------------------------------------------- auth on

  @Test
  void withoutATokenEverythingNeedsAUser(Scenario s) {
    s.put(put("a", "1"));
    rootAndEnable(s);
    s.range(get("a"));
    s.range(all());
    s.put(put("a", "2"));
    s.delete(delete("a"));
    s.txn(txn().addCompare(compare("a", Compare.CompareResult.EQUAL)).addSuccess(op(get("a"))));
    s.txn(txn().addSuccess(op(put("b", "1"))));
    userList(s);
    roleList(s);
    userAdd(s, "x", "pw");
    userGet(s, "root");
    roleGet(s, "root");
    disable(s);
    enable(s);
    // validation still comes first
    s.range(get(""));
    s.put(put("", "x"));
  }

  @Test
  void wrongPasswordsAndUnknownUsers(Scenario s) {
    rootAndEnable(s);
    s.login("root", "wrong");
    s.login("nobody", "x");
    s.login("", "");
    s.login("root", ROOT_PASSWORD);
    s.range(all());
  }

  @Test
  void rootMayDoEverything(Scenario s) {
    rootAndEnable(s);
    s.login("root", ROOT_PASSWORD);
    s.put(put("a", "1").setPrevKv(true));
    s.range(all());
    s.txn(txn().addCompare(compare("a", Compare.CompareResult.EQUAL)).addSuccess(op(put("b", "2")))
        .addFailure(op(delete("a", Kv.FROM_KEY).setPrevKv(true))));
    s.delete(deletePrefix("a").setPrevKv(true));
    s.compact(rev(2));
    userAdd(s, "u", "pw");
    userList(s);
    roleAdd(s, "r");
    grantRole(s, "u", "r");
    userGet(s, "u");
    enable(s);
    disable(s);
    s.logout(); // 3.4 would refuse the token dropped by the disable
    s.range(all());
  }

  @Test
  void theRootUserAndRoleAreProtectedWhileAuthIsOn(Scenario s) {
    rootAndEnable(s);
    s.login("root", ROOT_PASSWORD);
    s.call(AuthGrpc.getUserDeleteMethod(), AuthUserDeleteRequest.newBuilder().setName("root").build());
    s.call(AuthGrpc.getRoleDeleteMethod(), AuthRoleDeleteRequest.newBuilder().setRole("root").build());
    s.call(AuthGrpc.getUserRevokeRoleMethod(), AuthUserRevokeRoleRequest.newBuilder().setName("root").setRole("root").build());
    userGet(s, "root");
  }

  @Test
  void readPermissions(Scenario s) {
    aliceWithPermissions(s);
    s.range(get("a"));
    s.range(get("b"));
    s.range(prefix("p/"));
    s.range(get("p/1"));
    s.range(range("p/", "p/5"));
    s.range(range("p", "p/5"));
    s.range(all());
    s.range(get("z"));
    s.range(get("zz"));
    s.range(range("z", Kv.FROM_KEY));
    s.range(range("z1", Kv.FROM_KEY));
    s.range(range("y", Kv.FROM_KEY));
    // write-only keys are not readable
    s.range(get("w2"));
    // an empty interval is covered by nothing
    s.range(range("p/1", "p/1"));
    s.range(range("a", "a\0"));
    s.range(range("a", "b"));
  }

  @Test
  void writePermissions(Scenario s) {
    aliceWithPermissions(s);
    s.put(put("a", "x"));
    s.put(put("p/2", "x"));
    s.put(put("p/2", "y").setPrevKv(true));
    s.put(put("w1", "x"));
    s.put(put("w4", "x"));
    s.put(put("w5", "x"));
    // prev_kv needs read as well
    s.put(put("w2", "x").setPrevKv(true));
    s.delete(delete("w2"));
    s.delete(delete("w1", "w5"));
    s.delete(delete("w1", "w6"));
    s.delete(delete("w1", "w5").setPrevKv(true));
    s.delete(deletePrefix("p/").setPrevKv(true));
    s.delete(delete("z1"));
    s.compact(rev(3));
    s.login("root", ROOT_PASSWORD);
    s.range(all());
  }

  @Test
  void txnPermissions(Scenario s) {
    aliceWithPermissions(s);
    s.txn(txn().addCompare(compare("a", Compare.CompareResult.EQUAL)).addSuccess(op(put("p/x", "1"))));
    s.txn(txn().addCompare(compare("w2", Compare.CompareResult.EQUAL)).addSuccess(op(put("p/x", "1"))));
    s.txn(txn().addSuccess(op(get("a"))).addFailure(op(put("a", "1"))));
    s.txn(txn().addSuccess(op(put("w3", "1"))).addFailure(op(get("w3"))));
    s.txn(txn().addSuccess(op(delete("w1", "w5"))));
    s.txn(txn().addSuccess(op(delete("w1", "w5").setPrevKv(true))));
    s.txn(txn().addSuccess(op(get("a"))).addSuccess(op(get("z9"))));
    s.txn(txn().addSuccess(op(get("a"))).addSuccess(op(get("b"))));
    // a put with prev_kv inside a txn is checked for write only
    s.txn(txn().addSuccess(op(put("w3", "2").setPrevKv(true))));
    s.txn(txn().addSuccess(op(txn().addSuccess(op(put("p/y", "1"))))));
    s.login("root", ROOT_PASSWORD);
    s.range(all());
  }

  @Test
  void aUserMayReadItselfAndItsRolesButManageNothing(Scenario s) {
    aliceWithPermissions(s);
    userGet(s, "alice");
    userGet(s, "root");
    roleGet(s, "r");
    roleGet(s, "root");
    roleGet(s, "nothing");
    userList(s);
    roleList(s);
    userAdd(s, "bob", "pw");
    roleAdd(s, "r2");
    grantRole(s, "alice", "root");
    grant(s, "r", Permission.Type.READWRITE, "b", ByteString.EMPTY);
    disable(s);
    enable(s);
    s.range(get("b"));
  }

  @Test
  void permissionChangesApplyToLiveTokens(Scenario s) {
    aliceWithPermissions(s);
    Scenario.Login alice = s.currentLogin();
    s.range(get("b"));
    s.login("root", ROOT_PASSWORD);
    grant(s, "r", Permission.Type.READ, "b", ByteString.EMPTY);
    s.use(alice);
    s.range(get("b"));
    s.login("root", ROOT_PASSWORD);
    s.call(AuthGrpc.getUserRevokeRoleMethod(), AuthUserRevokeRoleRequest.newBuilder().setName("alice").setRole("r").build());
    s.use(alice);
    s.range(get("a"));
    s.login("root", ROOT_PASSWORD);
    grantRole(s, "alice", "root");
    s.use(alice);
    s.range(all());
    userList(s);
  }

  @Test
  void passwordChangeAndUserDeleteEndTheirTokens(Scenario s) {
    aliceWithPermissions(s);
    Scenario.Login alice = s.currentLogin();
    s.login("root", ROOT_PASSWORD);
    s.call(AuthGrpc.getUserChangePasswordMethod(), AuthUserChangePasswordRequest.newBuilder().setName("alice")
        .setPassword("new-pw").build());
    s.use(alice);
    s.range(get("a"));
    s.logout(); // 3.4 checks the token even on Authenticate
    s.login("alice", "alice-pw");
    s.login("alice", "new-pw");
    s.range(get("a"));
    alice = s.currentLogin();
    s.login("root", ROOT_PASSWORD);
    s.call(AuthGrpc.getUserDeleteMethod(), AuthUserDeleteRequest.newBuilder().setName("alice").build());
    s.use(alice);
    s.range(get("a"));
    s.logout(); // 3.4 checks the token even on Authenticate
    s.login("alice", "new-pw");
  }

  @Test
  void unknownTokensAreRefusedButAuthenticateStillWorks(Scenario s) {
    s.put(put("a", "1"));
    rootAndEnable(s);
    s.useToken("NotATokenAtAllXY.5");
    s.range(get("a"));
    s.put(put("a", "2"));
    s.delete(delete("a"));
    s.txn(txn().addSuccess(op(get("a"))));
    s.call(KVGrpc.getCompactMethod(), CompactionRequest.newBuilder().setRevision(rev(2)).build());
    userList(s);
    // 3.5 looks at no token for Authenticate, so that a client can log in again; 3.4 refuses it
    Outcome<?> o = s.call35("3.5 authenticates whatever token comes along", AuthGrpc.getAuthenticateMethod(),
        io.etcd.jetcd.api.AuthenticateRequest.newBuilder().setName("root").setPassword(ROOT_PASSWORD).build());
    assertThat(o.isError()).isFalse();
    s.logout();
    s.login("root", ROOT_PASSWORD);
    s.range(get("a"));
  }

  @Test
  void unknownTokensWhileAuthIsOff(Scenario s) {
    s.put(put("a", "1"));
    s.useToken("garbage");
    Outcome<RangeResponse> o = s.call35("3.5.10+ ignore tokens while auth is off; 3.4 refuses unknown ones",
        KVGrpc.getRangeMethod(), get("a").build());
    assertThat(o.ok().getKvsCount()).isEqualTo(1);
  }

  @Test
  void validationErrorsComeBeforeTokenErrors(Scenario s) {
    rootAndEnable(s);
    s.useToken("NotATokenAtAllXY.5");
    s.range(get(""));
    s.put(put("", "x"));
    s.delete(delete(""));
  }

  @Test
  void disableEndsTokensAndOpensEverything(Scenario s) {
    s.put(put("a", "1"));
    rootAndEnable(s);
    s.login("root", ROOT_PASSWORD);
    Scenario.Login root = s.currentLogin();
    disable(s);
    s.logout();
    s.range(get("a"));
    userList(s);
    disable(s);
    s.use(root);
    // 3.4 (and 3.5 before 3.5.10) refuse the dropped token even with auth off; later ones ignore it
    Outcome<?> o = s.call35("3.5.10+ ignore tokens while auth is off", KVGrpc.getRangeMethod(), get("a").build());
    assertThat(o.isError()).isFalse();
    s.logout();
    enable(s);
    s.use(root);
    s.range(get("a"));
  }

  @Test
  void passwordsOfEveryLength(Scenario s) {
    userAdd(s, "empty", "");
    userAdd(s, "long", "x".repeat(72));
    userAdd(s, "root", ROOT_PASSWORD);
    grantRole(s, "root", "root");
    enable(s);
    s.login("empty", "");
    s.login("empty", "x");
    s.login("long", "x".repeat(72));
    s.login("long", "x".repeat(71));
  }

  @Test
  void noPasswordUsersCannotAuthenticate(Scenario s) {
    // UserAddOptions{no_password: true} in field 3, which jetcd's protos lack
    UnknownFieldSet options = UnknownFieldSet.newBuilder()
        .addField(3, UnknownFieldSet.Field.newBuilder()
            .addLengthDelimited(UnknownFieldSet.newBuilder()
                .addField(1, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build().toByteString())
            .build())
        .build();
    s.call(AuthGrpc.getUserAddMethod(), AuthUserAddRequest.newBuilder().setName("cn").setUnknownFields(options).build());
    userGet(s, "cn");
    rootAndEnable(s);
    s.login("cn", "");
    s.login("cn", "anything");
  }

  @Test
  void authChangesDoNotMoveTheKvRevision(Scenario s) {
    s.put(put("a", "1"));
    rootAndEnable(s);
    s.login("root", ROOT_PASSWORD);
    userAdd(s, "u", "pw");
    roleAdd(s, "r");
    grantRole(s, "u", "r");
    disable(s);
    s.logout();
    assertThat(s.range(get("a")).ok().getHeader().getRevision()).isEqualTo(rev(2));
  }
}
