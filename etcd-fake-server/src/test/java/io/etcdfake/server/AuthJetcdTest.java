package io.etcdfake.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.options.GetOption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Auth as a jetcd user meets it: a server started with a root password, users and roles, denied calls. */
class AuthJetcdTest {
  private EtcdFakeServer server;

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @BeforeEach
  void start() throws Exception {
    server = EtcdFakeServer.builder().authRootPassword("secret").build().start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Client client(String user, String password) {
    return Client.builder().endpoints(server.clientEndpoints()).user(bs(user)).password(bs(password)).build();
  }

  private static Status.Code codeOf(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof StatusRuntimeException sre) {
        return sre.getStatus().getCode();
      }
    }
    return null;
  }

  @Test
  void rootUserReadsAndWrites() throws Exception {
    try (Client root = client("root", "secret")) {
      KV kv = root.getKVClient();
      assertThat(kv.put(bs("k"), bs("v")).get(30, TimeUnit.SECONDS).getHeader().getRevision()).isEqualTo(2);
      assertThat(kv.get(bs("k")).get(30, TimeUnit.SECONDS).getKvs()).singleElement()
          .satisfies(kv1 -> assertThat(kv1.getValue()).isEqualTo(bs("v")));
      // the four auth changes of the start moved the auth revision, not the KV one
      assertThat(server.authStore().revision()).isEqualTo(4);
    }
  }

  @Test
  void withoutCredentialsEveryKeyIsRefused() throws Exception {
    try (Client anonymous = Client.builder().endpoints(server.clientEndpoints()).build()) {
      assertThatThrownBy(() -> anonymous.getKVClient().get(bs("k")).get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("etcdserver: user name is empty")
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
  }

  @Test
  void wrongPasswordFailsEveryCall() {
    try (Client wrong = client("root", "nope")) {
      assertThatThrownBy(() -> wrong.getKVClient().get(bs("k")).get(30, TimeUnit.SECONDS))
          // jetcd reports a failed Authenticate as UNAUTHENTICATED on the call it was for
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.UNAUTHENTICATED));
    }
  }

  @Test
  void aUserWithAPrefixPermissionIsConfinedToIt() throws Exception {
    try (Client root = client("root", "secret")) {
      Auth auth = root.getAuthClient();
      auth.userAdd(bs("app"), bs("app-pw")).get(30, TimeUnit.SECONDS);
      auth.roleAdd(bs("app-role")).get(30, TimeUnit.SECONDS);
      auth.roleGrantPermission(bs("app-role"), bs("app/"), bs("app0"), Permission.Type.READWRITE).get(30, TimeUnit.SECONDS);
      auth.userGrantRole(bs("app"), bs("app-role")).get(30, TimeUnit.SECONDS);
      root.getKVClient().put(bs("other"), bs("x")).get(30, TimeUnit.SECONDS);
      assertThat(auth.userList().get(30, TimeUnit.SECONDS).getUsers()).containsExactly("app", "root");
      assertThat(auth.roleGet(bs("app-role")).get(30, TimeUnit.SECONDS).getPermissions()).singleElement()
          .satisfies(p -> assertThat(p.getPermType()).isEqualTo(Permission.Type.READWRITE));
    }
    try (Client app = client("app", "app-pw")) {
      KV kv = app.getKVClient();
      kv.put(bs("app/config"), bs("1")).get(30, TimeUnit.SECONDS);
      assertThat(kv.get(bs("app/"), GetOption.builder().isPrefix(true).build()).get(30, TimeUnit.SECONDS).getCount())
          .isEqualTo(1);
      assertThatThrownBy(() -> kv.get(bs("other")).get(30, TimeUnit.SECONDS))
          .hasMessageContaining("etcdserver: permission denied")
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(Status.Code.PERMISSION_DENIED));
      assertThatThrownBy(() -> kv.put(bs("other"), bs("y")).get(30, TimeUnit.SECONDS))
          .hasMessageContaining("etcdserver: permission denied");
      assertThatThrownBy(() -> app.getAuthClient().userList().get(30, TimeUnit.SECONDS))
          .hasMessageContaining("etcdserver: permission denied");
    }
  }

  @Test
  void resetKeepsTheConfiguredRootAndForgetsEverythingElse() throws Exception {
    try (Client root = client("root", "secret")) {
      root.getAuthClient().userAdd(bs("temp"), bs("pw")).get(30, TimeUnit.SECONDS);
    }
    server.reset();
    assertThat(server.authStore().isEnabled()).isTrue();
    try (Client root = client("root", "secret")) {
      assertThat(root.getAuthClient().userList().get(30, TimeUnit.SECONDS).getUsers()).containsExactly("root");
    }
  }

  @Test
  void authCanBeTurnedOffAndTheStoreIsOpenAgain() throws Exception {
    try (Client root = client("root", "secret")) {
      root.getAuthClient().authDisable().get(30, TimeUnit.SECONDS);
    }
    try (Client anonymous = Client.builder().endpoints(server.clientEndpoints()).build()) {
      anonymous.getKVClient().put(bs("k"), bs("v")).get(30, TimeUnit.SECONDS);
    }
  }
}
