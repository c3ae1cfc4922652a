package io.etcdfake.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcdfake.server.EtcdFakeServer;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.EnumSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * Hostile input to the fake alone (the differential suite compares the same with a real etcd): an
 * error is always one of etcd's and leaves no trace, and connections that are cut, garbled or
 * abandoned mid-request never cost the server its service or its data.
 */
class BadInputTest {
  /** The codes etcd answers bad KV requests with; anything else (UNKNOWN, INTERNAL) is a crash. */
  private static final Set<Status.Code> ETCD_CODES = EnumSet.of(Status.Code.INVALID_ARGUMENT, Status.Code.OUT_OF_RANGE,
      Status.Code.NOT_FOUND, Status.Code.RESOURCE_EXHAUSTED, Status.Code.FAILED_PRECONDITION);

  private static EtcdFakeServer server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws IOException {
    server = EtcdFakeServer.builder().build().start();
    channel = open();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
  }

  @BeforeEach
  void empty() {
    server.reset();
  }

  private static ManagedChannel open() {
    return ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
        .maxInboundMessageSize(64 * 1024 * 1024).build();
  }

  private static <Q, A> A call(ManagedChannel on, MethodDescriptor<Q, A> method, Q request) {
    return ClientCalls.blockingUnaryCall(on, method, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request);
  }

  private static RangeResponse everything() {
    ByteString zero = ByteString.copyFrom(new byte[] {0});
    return call(channel, KVGrpc.getRangeMethod(), RangeRequest.newBuilder().setKey(zero).setRangeEnd(zero).build());
  }

  @Test
  void errorsAreEtcdsAndLeaveNoTrace(TestReporter report) {
    HostileRequests requests = new HostileRequests(Long.getLong("etcdfake.reliability.seed", 20261129L));
    int n = Integer.getInteger("etcdfake.reliability.hostile", 600);
    Map<String, Integer> errors = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      HostileRequests.Hostile<?, ?> h = requests.next();
      RangeResponse before = everything();
      Status status = send(h);
      RangeResponse after = everything();
      if (status.isOk()) {
        assertThat(after.getHeader().getRevision() - before.getHeader().getRevision()).as("request %d", i).isBetween(0L, 1L);
        continue;
      }
      assertThat(status.getCode()).as("request %d: %s", i, status).isIn(ETCD_CODES);
      assertThat(status.getDescription()).as("request %d", i).matches("(etcdserver|grpc): .*");
      assertThat(after).as("request %d failed with %s but changed the data", i, status).isEqualTo(before);
      errors.merge(status.getCode() + " " + status.getDescription().replaceAll("\\(\\d+ vs\\. \\d+\\)", "(N vs. M)"), 1, Integer::sum);
    }
    report.publishEntry("hostile requests", n + "; refused: " + errors);
    assertThat(errors).as("the generator must hit etcd's errors").hasSizeGreaterThan(5);
  }

  private static <Q extends Message, A extends Message> Status send(HostileRequests.Hostile<Q, A> h) {
    try {
      call(channel, h.method(), h.request());
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  /**
   * Clients that vanish with calls in flight: each put writes a unique key, so afterwards every key
   * there has its own value, and the revision counts exactly the puts that were applied.
   */
  @Test
  void clientsThatVanishMidCallLeaveWholeWritesOnly(TestReporter report) throws Exception {
    int clients = 16;
    int putsEach = 50;
    for (int c = 0; c < clients; c++) {
      ManagedChannel vanishing = open();
      CountDownLatch firstAnswered = new CountDownLatch(1);
      for (int i = 0; i < putsEach; i++) {
        ClientCall<PutRequest, PutResponse> call = vanishing.newCall(KVGrpc.getPutMethod(), CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<PutResponse>() {
          @Override
          public void onClose(Status status, Metadata trailers) {
            firstAnswered.countDown();
          }
        }, new Metadata());
        call.sendMessage(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("v/" + c + "/" + i))
            .setValue(ByteString.copyFromUtf8(c + ":" + i)).build());
        call.request(1);
        if (i % 3 == 0) {
          // never half-closed: the server has the message but not the end of the request
          continue;
        }
        call.halfClose();
      }
      // vanish once the server is busy with this client's calls
      assertThat(firstAnswered.await(30, TimeUnit.SECONDS)).isTrue();
      vanishing.shutdownNow();
    }
    serverStillServes();
    RangeResponse all = everything();
    int applied = 0;
    for (io.etcd.jetcd.api.KeyValue kv : all.getKvsList()) {
      if (!kv.getKey().toStringUtf8().startsWith("v/")) {
        continue;
      }
      applied++;
      String[] parts = kv.getKey().toStringUtf8().split("/");
      assertThat(kv.getValue().toStringUtf8()).isEqualTo(parts[1] + ":" + parts[2]);
      assertThat(Integer.parseInt(parts[2]) % 3).as("a put never half-closed was applied").isNotZero();
      assertThat(kv.getVersion()).isEqualTo(1);
    }
    // one revision per applied put (and serverStillServes' put)
    assertThat(all.getHeader().getRevision()).isEqualTo(1 + all.getCount());
    assertThat(applied).isBetween(clients, clients * putsEach * 2 / 3);
    report.publishEntry("vanished clients", clients + " clients vanished with " + clients * putsEach
        + " puts in flight; applied whole: " + applied + "; torn: 0");
  }

  @Test
  void callsCancelledOrTimedOutMidRequest() throws Exception {
    call(channel, KVGrpc.getPutMethod(), put("kept", "yes"));
    for (int i = 0; i < 100; i++) {
      ClientCall<PutRequest, PutResponse> call = channel.newCall(KVGrpc.getPutMethod(), CallOptions.DEFAULT);
      call.start(new ClientCall.Listener<PutResponse>() {}, new Metadata());
      call.request(1);
      call.sendMessage(put("cancelled/" + i, "x"));
      call.cancel("test cancels before half-close", null);
      try {
        ClientCalls.blockingUnaryCall(channel, KVGrpc.getPutMethod(),
            CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.NANOSECONDS), put("late/" + i, "x"));
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      }
    }
    // a request cancelled while its body is on the wire: 1.5 MB is more than HTTP/2's flow-control
    // window lets through before the server reads, so the reset comes mid-message
    for (int i = 0; i < 20; i++) {
      ClientCall<PutRequest, PutResponse> call = channel.newCall(KVGrpc.getPutMethod(), CallOptions.DEFAULT);
      call.start(new ClientCall.Listener<PutResponse>() {}, new Metadata());
      call.request(1);
      call.sendMessage(put("torn/" + i, "x".repeat(1_500_000)));
      call.cancel("test cancels mid-message", null);
    }
    serverStillServes();
    ByteString prefix = ByteString.copyFromUtf8("torn/");
    assertThat(call(channel, KVGrpc.getRangeMethod(), RangeRequest.newBuilder().setKey(prefix)
        .setRangeEnd(ByteString.copyFromUtf8("torn0")).build()).getCount()).isZero();
    assertThat(call(channel, KVGrpc.getRangeMethod(), RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("kept")).build())
        .getKvs(0).getValue().toStringUtf8()).isEqualTo("yes");
  }

  @Test
  void garbageOnTheWireIsDroppedWithTheConnection() throws Exception {
    call(channel, KVGrpc.getPutMethod(), put("kept", "yes"));
    Random random = new Random(7);
    byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (int i = 0; i < 20; i++) {
      try (Socket s = new Socket("127.0.0.1", server.port())) {
        OutputStream out = s.getOutputStream();
        if (i % 2 == 0) {
          out.write(preface);
        }
        byte[] junk = new byte[1 + random.nextInt(4096)];
        random.nextBytes(junk);
        out.write(junk);
        out.flush();
      } catch (IOException e) {
        // the server may close first: that is the point
      }
    }
    serverStillServes();
    assertThat(call(channel, KVGrpc.getRangeMethod(), RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("kept")).build())
        .getKvs(0).getValue().toStringUtf8()).isEqualTo("yes");
  }

  private static PutRequest put(String key, String value) {
    return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build();
  }

  /** A fresh connection can write and read back. */
  private static void serverStillServes() {
    ManagedChannel fresh = open();
    try {
      long rev = call(fresh, KVGrpc.getPutMethod(), put("alive", "yes")).getHeader().getRevision();
      RangeResponse r = call(fresh, KVGrpc.getRangeMethod(), RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("alive")).build());
      assertThat(r.getKvs(0).getModRevision()).isEqualTo(rev);
    } finally {
      fresh.shutdownNow();
    }
  }
}
