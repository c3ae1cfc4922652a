package io.etcdfake.server.difftest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Delta debugging (Zeller's ddmin, complement form): removes ever smaller chunks of a failing sequence
 * while it still fails, down to a sequence from which no single element can be removed. Bounded by a
 * number of tries, since each try replays a sequence against a real server.
 */
final class Shrinker {
  private Shrinker() {}

  /** The shortest failing subsequence found; {@code fails} must hold for {@code failing} itself. */
  static <T> List<T> shrink(List<T> failing, Predicate<List<T>> fails, int maxTries) {
    List<T> current = List.copyOf(failing);
    int chunks = 2;
    int tries = 0;
    while (current.size() >= 2 && tries < maxTries) {
      boolean removed = false;
      int size = current.size();
      for (int i = 0; i < chunks && tries < maxTries; i++) {
        int from = i * size / chunks;
        int to = (i + 1) * size / chunks;
        if (from == to) {
          continue;
        }
        List<T> complement = new ArrayList<>(current.subList(0, from));
        complement.addAll(current.subList(to, size));
        tries++;
        if (fails.test(complement)) {
          current = List.copyOf(complement);
          chunks = Math.max(chunks - 1, 2);
          removed = true;
          break;
        }
      }
      if (!removed) {
        if (chunks >= current.size()) {
          break; // 1-minimal: no single element can go
        }
        chunks = Math.min(chunks * 2, current.size());
      }
    }
    return current;
  }
}
