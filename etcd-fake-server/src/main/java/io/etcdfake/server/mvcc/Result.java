package io.etcdfake.server.mvcc;

import java.util.List;

/**
 * What the store answers to an {@link Op}. Each carries the header revision etcd reports for it
 * (see the rules in each factory of {@link MvccStore}).
 */
public sealed interface Result {
  long revision();

  record Range(List<KeyValue> kvs, boolean more, long count, long revision) implements Result {}

  /** {@code prevKv} is null when not asked for or when the key did not exist. */
  record Put(KeyValue prevKv, long revision) implements Result {}

  record DeleteRange(long deleted, List<KeyValue> prevKvs, long revision) implements Result {}

  /** A nested txn reports revision 0, as etcd leaves its header empty. */
  record Txn(boolean succeeded, List<Result> responses, long revision) implements Result {}
}
