package io.etcdfake.bench;

import com.google.protobuf.ByteString;
import io.etcdfake.server.mvcc.MvccStore;
import io.etcdfake.server.mvcc.Op;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;

/**
 * Heap held by a store of K keys × R revisions each (every version with its own 16-byte value, as
 * values arriving from the wire are): live heap after full GCs, minus the same before. Run in a JVM of
 * its own; prints one line {@code heapBytes=... keys=... revisions=...}.
 */
public final class HeapPerKey {
  private HeapPerKey() {}

  public static void main(String[] args) throws InterruptedException {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int revisions = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    long before = liveHeap();
    MvccStore store = new MvccStore();
    for (int r = 0; r < revisions; r++) {
      for (int i = 0; i < keys; i++) {
        // fresh ByteStrings per put, as decoded requests bring them
        store.put(Op.Put.of(StoreBenchmarks.key(i), ByteString.copyFromUtf8(String.format("value-%02d-%07d", r % 100, i))), 0);
      }
    }
    long after = liveHeap();
    System.out.printf("heapBytes=%d keys=%d revisions=%d revision=%d%n", after - before, keys, revisions,
        store.currentRevision());
    Reference.reachabilityFence(store);
  }

  private static long liveHeap() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
