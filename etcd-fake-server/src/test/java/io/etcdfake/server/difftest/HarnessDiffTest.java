package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.Kv.all;
import static io.etcdfake.server.difftest.Kv.get;
import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Scenario.rev;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.api.KVGrpc;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The harness itself: it must see differences, and compactions must not leak into later scenarios. */
@Differential
class HarnessDiffTest {

  @Test
  void noticesADifferenceAndPrintsBothSides(Scenario s) {
    s.fake().call(KVGrpc.getPutMethod(), put("only-in-fake", "x").build());
    assertThatThrownBy(() -> s.range(all()))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("--- fake:")
        .hasMessageContaining("only-in-fake")
        .hasMessageContaining("--- etcd:");
  }

  @Test
  void noticesADifferentError(Scenario s) {
    s.put(put("a", "1"));
    s.reference().call(KVGrpc.getCompactMethod(), io.etcd.jetcd.api.CompactionRequest.newBuilder().setRevision(rev(2)).build());
    assertThatThrownBy(() -> s.range(get("a").setRevision(rev(1))))
        .hasMessageContaining("required revision has been compacted");
  }

  /** Two scenarios that both compact: whichever runs second must start clean on the reference too. */
  @Test
  void compactionInOneScenario(Scenario s) {
    compactEverything(s);
  }

  @Test
  void compactionInAnotherScenario(Scenario s) {
    compactEverything(s);
  }

  private static void compactEverything(Scenario s) {
    s.compact(rev(1));
    s.put(put("a", "1"));
    s.put(put("a", "2"));
    assertThat(s.compact(rev(3)).isError()).isFalse();
    s.range(get("a").setRevision(rev(2)));
    s.range(get("a").setRevision(rev(3)));
  }
}
