package io.etcdfake.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Message;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.ElectionGrpc;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code docs/compatibility.md} true: it must list every RPC of jetcd-grpc's service
 * descriptors and every field of every request message they take (at any depth), each with a known
 * status; what it says is verified must name test classes that exist; and what it calls supported
 * must be served by the fake (and what it calls not supported must not be).
 */
class CompatibilityDocTest {
  private static final Path DOC = Path.of("..", "docs", "compatibility.md");
  private static final Set<String> STATUSES = Set.of("supported", "partial", "not supported", "in progress");
  /** Rows for what etcd has and jetcd's copy of the protos lacks must say so. */
  private static final String NOT_IN_JETCD = "not in jetcd's protos";
  private static final List<io.grpc.ServiceDescriptor> SERVICES = List.of(
      KVGrpc.getServiceDescriptor(), WatchGrpc.getServiceDescriptor(), LeaseGrpc.getServiceDescriptor(),
      ClusterGrpc.getServiceDescriptor(), MaintenanceGrpc.getServiceDescriptor(), AuthGrpc.getServiceDescriptor(),
      LockGrpc.getServiceDescriptor(), ElectionGrpc.getServiceDescriptor());

  /** A table row: the `name` in its first cell, then status, verified by, notes. */
  private record Row(String name, String status, List<String> verifiedBy, String notes) {}

  private static Map<String, Row> rows;

  @BeforeAll
  static void read() throws IOException {
    rows = new LinkedHashMap<>();
    for (String line : Files.readAllLines(DOC)) {
      if (!line.startsWith("| `")) {
        continue;
      }
      String[] cells = line.substring(1).split("(?<!\\\\)\\|", -1);
      if (cells.length < 5) {
        continue; // not a row of the RPC tables
      }
      String name = cells[0].trim().replace("`", "");
      List<String> verified = new ArrayList<>();
      for (String v : cells[2].split(",")) {
        if (!v.isBlank()) {
          verified.add(v.trim());
        }
      }
      Row previous = rows.put(name, new Row(name, cells[1].trim(), verified, cells[3].trim()));
      assertThat(previous).as("row %s listed twice", name).isNull();
    }
  }

  @Test
  void listsEveryRpcAndEveryRequestField() {
    Set<String> expected = new LinkedHashSet<>();
    for (io.grpc.ServiceDescriptor service : SERVICES) {
      for (io.grpc.MethodDescriptor<?, ?> method : service.getMethods()) {
        expected.add(rpc(method));
        requestFields(protoMethod(method).getInputType(), expected, new LinkedHashSet<>());
      }
    }
    List<String> missing = expected.stream().filter(name -> !rows.containsKey(name)).toList();
    assertThat(missing).as("in jetcd-grpc's descriptors but not in %s", DOC).isEmpty();
    List<String> unknown = rows.values().stream()
        .filter(r -> !expected.contains(r.name()) && !r.notes().contains(NOT_IN_JETCD))
        .map(Row::name).toList();
    assertThat(unknown).as("rows that name no RPC or field of jetcd-grpc (say '%s' if etcd has it)", NOT_IN_JETCD).isEmpty();
  }

  @Test
  void everyRowHasAStatusAndNamesTestsThatExist() throws IOException {
    Set<String> testClasses = new LinkedHashSet<>();
    try (Stream<Path> files = Files.walk(Path.of(".."))) {
      files.filter(p -> p.toString().contains("src" + java.io.File.separator + "test"))
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".java"))
          .forEach(n -> testClasses.add(n.substring(0, n.length() - ".java".length())));
    }
    for (Row r : rows.values()) {
      assertThat(STATUSES).as("status of %s", r.name()).contains(r.status());
      if (r.status().equals("supported") || r.status().equals("partial")) {
        assertThat(r.verifiedBy()).as("how %s is verified", r.name()).isNotEmpty();
      }
      for (String test : r.verifiedBy()) {
        assertThat(testClasses).as("test named for %s", r.name()).contains(test);
      }
      if (!r.status().equals("supported")) {
        assertThat(r.notes()).as("what is missing of %s, and why", r.name()).isNotEmpty();
      }
    }
  }

  /** Each unary RPC with an empty request: anything but UNIMPLEMENTED means the fake serves it. */
  @Test
  void theFakeServesWhatTheDocCallsSupported() throws IOException {
    try (EtcdFakeServer server = EtcdFakeServer.builder().build().start()) {
      URI endpoint = server.clientEndpoints().get(0);
      ManagedChannel channel = ManagedChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort()).usePlaintext().build();
      try {
        for (io.grpc.ServiceDescriptor service : SERVICES) {
          for (io.grpc.MethodDescriptor<?, ?> method : service.getMethods()) {
            Row row = rows.get(rpc(method));
            if (method.getType() != io.grpc.MethodDescriptor.MethodType.UNARY || row == null) {
              continue;
            }
            boolean served = answers(channel, method);
            if (row.status().equals("supported") || row.status().equals("partial")) {
              assertThat(served).as("%s is documented as %s", row.name(), row.status()).isTrue();
            } else if (row.status().equals("not supported")) {
              assertThat(served).as("%s is documented as not supported", row.name()).isFalse();
            }
          }
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <Q, A> boolean answers(ManagedChannel channel, io.grpc.MethodDescriptor<Q, A> method) {
    Q empty = (Q) com.google.protobuf.DynamicMessage.getDefaultInstance(protoMethod(method).getInputType());
    try {
      io.grpc.MethodDescriptor<Message, Message> raw = io.grpc.MethodDescriptor.<Message, Message>newBuilder()
          .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(method.getFullMethodName())
          .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller((Message) empty))
          .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
              com.google.protobuf.DynamicMessage.getDefaultInstance(protoMethod(method).getOutputType())))
          .build();
      ClientCalls.blockingUnaryCall(channel, raw, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), (Message) empty);
      return true;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() != Status.Code.UNIMPLEMENTED;
    }
  }

  private static String rpc(io.grpc.MethodDescriptor<?, ?> method) {
    String service = method.getServiceName();
    return service.substring(service.lastIndexOf('.') + 1) + "/" + method.getBareMethodName();
  }

  private static MethodDescriptor protoMethod(io.grpc.MethodDescriptor<?, ?> method) {
    return ((ProtoMethodDescriptorSupplier) method.getSchemaDescriptor()).getMethodDescriptor();
  }

  /** Message.field for every field of the message and of the etcd messages inside it. */
  private static void requestFields(Descriptor message, Set<String> out, Set<Descriptor> seen) {
    if (!seen.add(message)) {
      return;
    }
    for (FieldDescriptor f : message.getFields()) {
      out.add(message.getName() + "." + f.getName());
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !f.getMessageType().getFile().getPackage().startsWith("google")) {
        requestFields(f.getMessageType(), out, seen);
      }
    }
  }
}
