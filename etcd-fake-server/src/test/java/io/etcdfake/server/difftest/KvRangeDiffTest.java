package io.etcdfake.server.difftest;

import static io.etcdfake.server.difftest.Kv.all;
import static io.etcdfake.server.difftest.Kv.get;
import static io.etcdfake.server.difftest.Kv.prefix;
import static io.etcdfake.server.difftest.Kv.put;
import static io.etcdfake.server.difftest.Kv.range;
import static io.etcdfake.server.difftest.Scenario.rev;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

@Differential
class KvRangeDiffTest {

  private static void fill(Scenario s) {
    s.put(put("a", "1"));
    s.put(put("b", "2"));
    s.put(put("b/x", "3"));
    s.put(put("c", "4"));
  }

  @Test
  void emptyStoreIsAtRevisionOne(Scenario s) {
    assertThat(s.range(all()).ok().getHeader().getRevision()).isEqualTo(rev(1));
    s.range(get("missing"));
  }

  @Test
  void rangeEndForms(Scenario s) {
    fill(s);
    s.range(get("b"));
    s.range(prefix("b"));
    s.range(range("b", Kv.FROM_KEY));
    s.range(all());
    s.range(range("b", "c"));
    s.range(range("c", "b"));
    s.range(range("b", "b"));
  }

  @Test
  void historicalReads(Scenario s) {
    fill(s);
    s.put(put("a", "again"));
    s.range(all().setRevision(rev(2)));
    s.range(all().setRevision(rev(5)));
    s.range(get("a").setRevision(rev(1)));
    s.range(get("a").setRevision(rev(7)));
    s.range(get("a").setRevision(-3));
  }

  @Test
  void emptyKey(Scenario s) {
    assertThat(s.range(get("")).isError()).isTrue();
  }
}
