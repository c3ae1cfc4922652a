package io.etcdfake.server.difftest;

import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.grpc.Status;
import java.util.Objects;

/**
 * What one side answered to a call: a response (revisions made relative) or a gRPC error, which
 * etcd clients tell apart by code and exact description.
 */
public record Outcome<A extends Message>(A response, Status.Code code, String description) {

  static <A extends Message> Outcome<A> of(A response) {
    return new Outcome<>(Objects.requireNonNull(response), Status.Code.OK, null);
  }

  static <A extends Message> Outcome<A> of(Status status) {
    return new Outcome<>(null, status.getCode(), status.getDescription());
  }

  public boolean isError() {
    return code != Status.Code.OK;
  }

  /** The response; fails the test when the call failed. */
  public A ok() {
    if (response == null) {
      throw new AssertionError("expected a response, got " + this);
    }
    return response;
  }

  @Override
  public String toString() {
    return response != null
        ? response.getDescriptorForType().getName() + " {\n" + indent(TextFormat.printer().printToString(response)) + "}"
        : code == Status.Code.OK ? "end of stream" : "error " + code + ": " + description;
  }

  private static String indent(String text) {
    return text.isEmpty() ? "" : text.lines().map(l -> "  " + l + "\n").reduce("", String::concat);
  }
}
