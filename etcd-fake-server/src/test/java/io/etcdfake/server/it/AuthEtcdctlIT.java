package io.etcdfake.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcdfake.server.Etcdctl;
import io.etcdfake.server.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * etcdctl's auth commands against the standalone jar, printing what they print against a real etcd
 * (compared with one when {@code -Detcd.reference.endpoint} is given): users, roles, enable, then
 * denied and allowed reads and writes with {@code --user}.
 */
class AuthEtcdctlIT {
  private static final Path ETCDCTL = Path.of(Etcdctl.PATH);

  /**
   * One etcdctl run: exit code, stdout, and the "Error:" line of stderr (its other lines are the Go
   * client's retry warnings, with timestamps).
   */
  private static String etcdctl(String endpoint, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Etcdctl.PATH, "--endpoints", endpoint));
    cmd.addAll(List.of(args));
    Processes.Output p = Processes.run(Etcdctl.command(cmd), null, Etcdctl.TIMEOUT);
    String error = p.stderr().lines().filter(l -> l.startsWith("Error:")).findFirst().orElse("");
    return "exit " + p.exit() + "\n" + p.stdout() + error;
  }

  private static List<String> session(String endpoint) throws Exception {
    List<String> t = new ArrayList<>();
    t.add(etcdctl(endpoint, "user", "add", "root:rootpw"));
    t.add(etcdctl(endpoint, "user", "add", "app:apppw"));
    t.add(etcdctl(endpoint, "role", "add", "app-role"));
    t.add(etcdctl(endpoint, "role", "grant-permission", "app-role", "--prefix=true", "readwrite", "app/"));
    t.add(etcdctl(endpoint, "role", "grant-permission", "app-role", "read", "shared"));
    t.add(etcdctl(endpoint, "user", "grant-role", "app", "app-role"));
    t.add(etcdctl(endpoint, "put", "secret", "s"));
    // etcdctl adds the root role and grants it to root itself when it is missing
    t.add(etcdctl(endpoint, "auth", "enable"));
    t.add(etcdctl(endpoint, "get", "secret"));
    t.add(etcdctl(endpoint, "--user", "root:rootpw", "get", "secret"));
    t.add(etcdctl(endpoint, "--user", "app:apppw", "put", "app/x", "1"));
    t.add(etcdctl(endpoint, "--user", "app:apppw", "get", "app/", "--prefix", "--print-value-only"));
    t.add(etcdctl(endpoint, "--user", "app:apppw", "get", "secret"));
    t.add(etcdctl(endpoint, "--user", "app:apppw", "put", "shared", "x"));
    t.add(etcdctl(endpoint, "--user", "app:wrong", "get", "app/x"));
    t.add(etcdctl(endpoint, "--user", "app:apppw", "user", "list"));
    t.add(etcdctl(endpoint, "--user", "root:rootpw", "user", "list"));
    t.add(etcdctl(endpoint, "--user", "root:rootpw", "user", "get", "app"));
    t.add(etcdctl(endpoint, "--user", "root:rootpw", "role", "get", "app-role"));
    t.add(etcdctl(endpoint, "--user", "root:rootpw", "user", "delete", "root"));
    t.add(etcdctl(endpoint, "--user", "root:rootpw", "auth", "disable"));
    t.add(etcdctl(endpoint, "get", "secret", "--print-value-only"));
    // leave a real etcd as it was
    t.add(etcdctl(endpoint, "user", "delete", "app"));
    t.add(etcdctl(endpoint, "user", "delete", "root"));
    t.add(etcdctl(endpoint, "role", "delete", "app-role"));
    t.add(etcdctl(endpoint, "role", "delete", "root"));
    // only this session's keys: the reference etcd is shared with other suites
    t.add(etcdctl(endpoint, "del", "secret"));
    t.add(etcdctl(endpoint, "del", "app/", "--prefix"));
    return t;
  }

  @Test
  void authFlowPrintsWhatRealEtcdPrints() throws Exception {
    assumeTrue(Files.isExecutable(ETCDCTL), "etcdctl not installed");
    List<String> mine;
    try (StandaloneJar jar = StandaloneJar.start("--auth-token", "simple", "--bcrypt-cost", "4")) {
      mine = session(jar.hostPort());
    }
    assertThat(mine).containsExactly(
        "exit 0\nUser root created\n",
        "exit 0\nUser app created\n",
        "exit 0\nRole app-role created\n",
        "exit 0\nRole app-role updated\n",
        "exit 0\nRole app-role updated\n",
        "exit 0\nRole app-role is granted to user app\n",
        "exit 0\nOK\n",
        "exit 0\nAuthentication Enabled\n",
        "exit 1\nError: etcdserver: user name is empty",
        "exit 0\nsecret\ns\n",
        "exit 0\nOK\n",
        "exit 0\n1\n",
        "exit 1\nError: etcdserver: permission denied",
        "exit 1\nError: etcdserver: permission denied",
        "exit 2\nError: etcdserver: authentication failed, invalid user ID or password",
        "exit 1\nError: etcdserver: permission denied",
        "exit 0\napp\nroot\n",
        "exit 0\nUser: app\nRoles: app-role\n",
        "exit 0\nRole app-role\nKV Read:\n\t[app/, app0) (prefix app/)\n\tshared\nKV Write:\n\t[app/, app0) (prefix app/)\n",
        "exit 1\nError: etcdserver: invalid auth management",
        "exit 0\nAuthentication Disabled\n",
        "exit 0\ns\n",
        "exit 0\nUser app deleted\n",
        "exit 0\nUser root deleted\n",
        "exit 0\nRole app-role deleted\n",
        "exit 0\nRole root deleted\n",
        "exit 0\n1\n",
        "exit 0\n1\n");
    String reference = System.getProperty("etcd.reference.endpoint", "");
    if (!reference.isEmpty()) {
      assertThat(session(reference.replace("http://", ""))).as("the same session against etcd at %s", reference)
          .isEqualTo(mine);
    }
  }

  @Test
  void startsWithAuthOnGivenARootPassword() throws Exception {
    assumeTrue(Files.isExecutable(ETCDCTL), "etcdctl not installed");
    try (StandaloneJar jar = StandaloneJar.start("--fake-auth-root-password", "s3cret")) {
      assertThat(etcdctl(jar.hostPort(), "put", "k", "v")).isEqualTo("exit 1\nError: etcdserver: user name is empty");
      assertThat(etcdctl(jar.hostPort(), "--user", "root:s3cret", "put", "k", "v")).isEqualTo("exit 0\nOK\n");
      assertThat(etcdctl(jar.hostPort(), "--user", "root:s3cret", "role", "list")).isEqualTo("exit 0\nroot\n");
    }
  }
}
