package io.etcdfake.junit;

import static io.etcdfake.junit.EtcdAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.etcdfake.server.EtcdFakeServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The AssertJ assertions pass when etcd holds it, and say plainly what differs when not. */
@ExtendWith(EtcdFakeExtension.class)
class EtcdAssertionsTest {

  @Test
  void onTheServer(EtcdFakeServer server, Client client) throws Exception {
    Kv.put(client, "a", "x");
    Kv.put(client, "a", "b");
    Kv.put(client, "other", "o");
    assertThat(server).hasKey("a").withValue("b").withVersion(2).withCreateRevision(2).withModRevision(3).withoutLease()
        .and().hasKey("other").withValue("o".getBytes())
        .and().doesNotHaveKey("nope").hasKeyCount("", 2).hasKeyCount("a", 1).hasRevision(4);
    server.reset();
    assertThat(server).hasNoKeys().hasRevision(1);
  }

  @Test
  void throughAClientTheSameAssertionsWorkOnARealEtcdToo(Client client) throws Exception {
    long rev = Kv.put(client, "a", "x");
    Kv.put(client, "a", "b");
    Kv.put(client, "dir/1", "1");
    Kv.put(client, "dir/2", "2");
    assertThat(client).hasKey("a").withValue("b").withVersion(2).withCreateRevision(rev).withModRevision(rev + 1)
        .and().hasKeyCount("dir/", 2).hasKeyCount("", 3).doesNotHaveKey("dir").hasRevision(rev + 3);
  }

  @Test
  void aMissingKeyNamesTheKeysThatArePresent(Client client) throws Exception {
    Kv.put(client, "present/1", "1");
    Kv.put(client, "present/2", "2");
    assertThatThrownBy(() -> assertThat(client).hasKey("absent"))
        .isInstanceOf(AssertionError.class)
        .hasMessage("%nExpecting etcd to have key:%n  \"absent\"%nbut it does not; keys present: [present/1, present/2]".formatted());
  }

  @Test
  void aWrongValueShowsBothAndTheKeysState(EtcdFakeServer server, Client client) throws Exception {
    Kv.put(client, "a", "c");
    assertThatThrownBy(() -> assertThat(server).hasKey("a").withValue("b"))
        .isInstanceOf(AssertionError.class)
        .hasMessage(("%nExpecting key \"a\" to have value:%n  \"b\"%nbut was:%n  \"c\"%n"
            + "(value \"c\", version 1, create revision 2, mod revision 2, no lease)").formatted());
  }

  @Test
  void otherMismatchesSayWhatWasExpected(Client client) throws Exception {
    Kv.put(client, "a", "v");
    assertThatThrownBy(() -> assertThat(client).hasKey("a").withVersion(2))
        .hasMessageContaining("Expecting key \"a\" to have version:%n  2%nbut was:%n  1".formatted());
    assertThatThrownBy(() -> assertThat(client).hasKey("a").withLease(7))
        .hasMessageContaining("to have lease:%n  7%nbut was:%n  no lease".formatted());
    assertThatThrownBy(() -> assertThat(client).doesNotHaveKey("a"))
        .hasMessageContaining("Expecting etcd not to have key:%n  \"a\"%nbut it has it, with value \"v\" (version 1".formatted());
    assertThatThrownBy(() -> assertThat(client).hasKeyCount("", 3))
        .hasMessageContaining("to have 3 key(s) with prefix \"\"%nbut it has 1; keys present: [a]".formatted());
    assertThatThrownBy(() -> assertThat(client).hasNoKeys())
        .hasMessageContaining("to have no keys%nbut it has 1; keys present: [a]".formatted());
  }

  @Test
  void longKeyListsAreCut(EtcdFakeServer server, Client client) throws Exception {
    for (int i = 0; i < 12; i++) {
      Kv.put(client, "k" + (char) ('a' + i), "v");
    }
    assertThatThrownBy(() -> assertThat(server).hasKey("zz"))
        .hasMessageContaining("keys present: [ka, kb, kc, kd, ke, kf, kg, kh, ki, kj] and more")
        .hasMessageContaining("Expecting etcd-fake at [http://127.0.0.1:");
  }
}
