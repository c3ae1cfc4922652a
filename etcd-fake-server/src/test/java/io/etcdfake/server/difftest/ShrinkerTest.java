package io.etcdfake.server.difftest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ShrinkerTest {
  private static final List<Integer> HUNDRED = IntStream.rangeClosed(1, 100).boxed().toList();

  @Test
  void keepsOnlyTheElementsTheFailureNeedsInTheirOrder() {
    List<Integer> shrunk = Shrinker.shrink(HUNDRED, l -> l.indexOf(17) >= 0 && l.indexOf(17) < l.indexOf(83), 1000);
    assertThat(shrunk).containsExactly(17, 83);
  }

  @Test
  void stopsAfterItsTries() {
    int[] tries = {0};
    List<Integer> shrunk = Shrinker.shrink(HUNDRED, l -> ++tries[0] > 0 && l.contains(50), 3);
    assertThat(tries[0]).isEqualTo(3);
    assertThat(shrunk).contains(50).hasSizeGreaterThan(1);
  }

  @Test
  void aSingleFailingElementStaysAsItIs() {
    assertThat(Shrinker.shrink(List.of(7), l -> true, 10)).containsExactly(7);
  }
}
