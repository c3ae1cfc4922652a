package io.etcdfake.server.difftest;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.Map;

/**
 * Prints requests as the Java that builds them, so that a shrunk failing sequence of the randomized
 * suite can be pasted into a differential test as it is. Revision fields print as {@code rev(n)}
 * (relative, as scenarios write them); bytes as {@code Kv.bytes("...")}.
 */
final class JavaSource {
  private JavaSource() {}

  /** {@code KVGrpc.getPutMethod()} for etcd's {@code etcdserverpb.KV/Put}. */
  static String method(MethodDescriptor<?, ?> method) {
    String service = method.getServiceName();
    return service.substring(service.lastIndexOf('.') + 1) + "Grpc.get" + method.getBareMethodName() + "Method()";
  }

  /** A builder expression for the message, e.g. {@code PutRequest.newBuilder().setKey(Kv.bytes("a"))}. */
  static String builder(Message m) {
    StringBuilder out = new StringBuilder(m.getDescriptorForType().getName()).append(".newBuilder()");
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      String name = camel(f.getName());
      if (f.isRepeated()) {
        for (Object item : (List<?>) e.getValue()) {
          out.append(".add").append(name).append('(').append(value(f, item)).append(')');
        }
      } else if (f.getJavaType() == FieldDescriptor.JavaType.ENUM && ((EnumValueDescriptor) e.getValue()).getIndex() < 0) {
        // a number this copy of the protos does not know (e.g. the LEASE compare target)
        out.append(".set").append(name).append("Value(").append(((EnumValueDescriptor) e.getValue()).getNumber()).append(')');
      } else {
        out.append(".set").append(name).append('(').append(value(f, e.getValue())).append(')');
      }
    }
    for (Map.Entry<Integer, UnknownFieldSet.Field> e : m.getUnknownFields().asMap().entrySet()) {
      // fields newer than jetcd's protos; only varints are sent that way here
      out.append(".setUnknownFields(UnknownFieldSet.newBuilder().addField(").append(e.getKey())
          .append(", UnknownFieldSet.Field.newBuilder()");
      e.getValue().getVarintList().forEach(v -> out.append(".addVarint(").append(v).append("L)"));
      out.append(".build()).build())");
    }
    return out.toString();
  }

  /** A complete message expression: the builder, built. */
  static String message(Message m) {
    return builder(m) + ".build()";
  }

  private static String value(FieldDescriptor f, Object v) {
    return switch (f.getJavaType()) {
      case MESSAGE -> builder((Message) v);
      case BYTE_STRING -> "Kv.bytes(" + quote(((ByteString) v).toStringUtf8()) + ")";
      case STRING -> quote((String) v);
      case ENUM -> {
        EnumValueDescriptor ev = (EnumValueDescriptor) v;
        yield ev.getType().getFullName().replaceFirst("^[a-z.]+\\.", "") + "." + ev.getName();
      }
      case LONG -> Revisions.isRevision(f) && (Long) v > 0 ? "rev(" + v + ")" : v + "L";
      default -> String.valueOf(v);
    };
  }

  /** proto field name to the Java accessor's suffix: {@code prev_kv} to {@code PrevKv}. */
  private static String camel(String field) {
    StringBuilder out = new StringBuilder();
    boolean upper = true;
    for (char c : field.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = Character.isDigit(c);
      }
    }
    return out.toString();
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
