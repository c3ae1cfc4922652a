package io.etcdfake.server.difftest;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * Rewrites the revision-valued fields of any etcd message, found through its descriptor: int64 fields
 * named {@code revision}, {@code rev} or {@code *_revision}, at any depth. Zero and negative values
 * mean "unset" or "latest" in etcd and are left alone. Also blurs the header's identity fields
 * (cluster_id, member_id, raft_term) to "set or not", since they differ between servers.
 */
final class Revisions {
  private static final String HEADER = "etcdserverpb.ResponseHeader";
  private static final List<String> IDENTITY = List.of("cluster_id", "member_id", "raft_term");

  private Revisions() {}

  static boolean isRevision(FieldDescriptor f) {
    if (f.getJavaType() != FieldDescriptor.JavaType.LONG) {
      return false;
    }
    String n = f.getName();
    return n.equals("revision") || n.equals("rev") || n.endsWith("_revision");
  }

  /** A request with relative revisions (1 = the scenario's start) as one side sees them. */
  @SuppressWarnings("unchecked")
  static <M extends Message> M toSide(M message, long base) {
    return (M) rewrite(message, v -> v + base - 1, false);
  }

  /** A response of one side with its revisions relative to the scenario's start, identity blurred. */
  @SuppressWarnings("unchecked")
  static <M extends Message> M toRelative(M message, long base) {
    return (M) rewrite(message, v -> v - base + 1, true);
  }

  private static Message rewrite(Message m, LongUnaryOperator shift, boolean blurIdentity) {
    Message.Builder b = m.toBuilder();
    boolean header = blurIdentity && m.getDescriptorForType().getFullName().equals(HEADER);
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (f.isRepeated()) {
          List<?> items = (List<?>) e.getValue();
          for (int i = 0; i < items.size(); i++) {
            b.setRepeatedField(f, i, rewrite((Message) items.get(i), shift, blurIdentity));
          }
        } else {
          b.setField(f, rewrite((Message) e.getValue(), shift, blurIdentity));
        }
      } else if (header && IDENTITY.contains(f.getName())) {
        b.setField(f, 1L);
      } else if (isRevision(f) && !f.isRepeated()) {
        long v = (Long) e.getValue();
        if (v > 0) {
          b.setField(f, shift.applyAsLong(v));
        }
      }
    }
    return b.build();
  }
}
