package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.ElectionDiffTest.campaign;
import static io.etcdfake.server.difftest.ElectionDiffTest.leader;
import static io.etcdfake.server.difftest.ElectionDiffTest.proclaim;
import static io.etcdfake.server.difftest.ElectionDiffTest.resign;
import static io.etcdfake.server.difftest.Kv.prefix;
import static io.etcdfake.server.difftest.LockDiffTest.lock;
import static io.etcdfake.server.difftest.LockDiffTest.unlock;
import static io.etcdfake.server.difftest.Scenario.ROOT_PASSWORD;

import io.etcd.jetcd.api.LeaderKey;
import org.junit.jupiter.api.Test;

/**
 * Lock and Election with auth on: etcd runs these recipes through its own client with the caller's
 * token, so each inner read, txn and delete is checked against the caller's permissions. alice may
 * read and write under p/ only (see {@link AuthDiffTest#aliceWithPermissions}).
 */
@Differential
class RecipeAuthDiffTest {

  @Test
  void lockNeedsWriteAndReadOnTheLocksKeys(Scenario s) {
    AuthDiffTest.aliceWithPermissions(s);
    LockDiffTest.grant(s, 0xa1, 60);
    lock(s, "p/lock", 0xa1);
    s.range(prefix("p/lock/"));
    unlock(s, "p/lock/a1");
    // read on a, nothing under a/: the lock's put is refused; w1..w5 is write only: its reads are
    lock(s, "a", 0xa1);
    lock(s, "w2", 0xa1);
    unlock(s, "a/a1");
    unlock(s, "w2/a1");
    s.logout();
    lock(s, "p/lock", 0xa1);
    unlock(s, "p/lock/a1");
    s.login("root", ROOT_PASSWORD);
    s.range(Kv.all());
  }

  @Test
  void electionNeedsTheSamePermissions(Scenario s) {
    AuthDiffTest.aliceWithPermissions(s);
    LockDiffTest.grant(s, 0xe1, 60);
    LeaderKey me = campaign(s, "p/boss", 0xe1, "alice").ok().getLeader();
    leader(s, "p/boss");
    proclaim(s, me, "still alice");
    campaign(s, "a", 0xe1, "alice");
    campaign(s, "w2", 0xe1, "alice");
    leader(s, "w2");
    leader(s, "z9");
    s.logout();
    leader(s, "p/boss");
    proclaim(s, me, "anonymous");
    resign(s, me);
    s.login("alice", "alice-pw");
    resign(s, me);
    s.login("root", ROOT_PASSWORD);
    s.range(Kv.all());
  }
}
