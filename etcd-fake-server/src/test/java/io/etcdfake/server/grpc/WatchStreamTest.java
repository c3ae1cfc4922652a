package io.etcdfake.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcdfake.server.EtcdFakeServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Raw watch streams: what etcd-specific clients (Go, etcdctl) send, and the server's lifecycle. */
class WatchStreamTest {
  private EtcdFakeServer server;
  private ManagedChannel channel;

  private void start(EtcdFakeServer.Builder b) throws Exception {
    server = b.build().start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
        .maxInboundMessageSize(64 * 1024 * 1024).build();
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  /** A stream whose answers queue up; the end of the stream is a Status. */
  private final class Stream implements StreamObserver<WatchResponse> {
    final BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    final StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(this);

    void create(WatchCreateRequest.Builder c) {
      requests.onNext(WatchRequest.newBuilder().setCreateRequest(c).build());
    }

    Object nextAnswer() throws InterruptedException {
      Object a = answers.poll(30, TimeUnit.SECONDS);
      assertThat(a).as("an answer within 30 s").isNotNull();
      return a;
    }

    WatchResponse next() throws InterruptedException {
      return (WatchResponse) nextAnswer();
    }

    @Override
    public void onNext(WatchResponse r) {
      answers.add(r);
    }

    @Override
    public void onError(Throwable t) {
      answers.add(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      answers.add(Status.OK);
    }
  }

  private long put(String key, ByteString value) {
    return KVGrpc.newBlockingStub(channel)
        .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(value).build())
        .getHeader().getRevision();
  }

  private static WatchCreateRequest.Builder watch(String key) {
    return WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8(key));
  }

  @Test
  void largeReplaysAreSplitIntoFragmentsWhenAskedFor() throws Exception {
    start(EtcdFakeServer.builder());
    ByteString big = ByteString.copyFrom(new byte[700 * 1024]);
    long first = put("f", big);
    for (int i = 0; i < 4; i++) {
      put("f", big);
    }
    Stream s = new Stream();
    // fragment (field 8) is newer than jetcd's rpc.proto, as Go clients send it
    s.create(watch("f").setStartRevision(first).setUnknownFields(UnknownFieldSet.newBuilder()
        .addField(8, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build()));
    assertThat(s.next().getCreated()).isTrue();
    int events = 0;
    int parts = 0;
    while (events < 5) {
      WatchResponse part = s.next();
      parts++;
      events += part.getEventsCount();
      boolean flagged = part.getUnknownFields().hasField(7);
      assertThat(flagged).as("fragment flag on all parts but the last").isEqualTo(events < 5);
      assertThat(part.getSerializedSize()).isLessThan(2 * 1024 * 1024);
    }
    assertThat(parts).isEqualTo(3);
    // without fragment: one response
    Stream whole = new Stream();
    whole.create(watch("f").setStartRevision(first));
    whole.next();
    assertThat(whole.next().getEventsCount()).isEqualTo(5);
  }

  @Test
  void progressNotifyAtTheConfiguredIntervalOnlyWhileQuiet() throws Exception {
    start(EtcdFakeServer.builder().progressNotifyInterval(Duration.ofMillis(200)));
    Stream s = new Stream();
    s.create(watch("p").setProgressNotify(true));
    s.next();
    WatchResponse progress = s.next();
    assertThat(progress.getEventsCount()).isZero();
    assertThat(progress.getWatchId()).isZero();
    assertThat(progress.getHeader().getRevision()).isEqualTo(1);
    long rev = put("p", ByteString.copyFromUtf8("x"));
    WatchResponse next = s.next();
    while (next.getEventsCount() == 0) {
      next = s.next();
    }
    assertThat(next.getHeader().getRevision()).isEqualTo(rev);
  }

  @Test
  void negativeStartRevisionIsRefusedAsEtcd35Does() throws Exception {
    start(EtcdFakeServer.builder());
    Stream s = new Stream();
    s.create(watch("k").setStartRevision(-5));
    WatchResponse r = s.next();
    assertThat(r.getCreated()).isTrue();
    assertThat(r.getCanceled()).isTrue();
    assertThat(r.getWatchId()).isEqualTo(-1);
    assertThat(r.getCancelReason()).isEqualTo("etcdserver: mvcc: required revision has been compacted");
  }

  @Test
  void resetCancelsWatchersAndCloseEndsStreamsUnavailable() throws Exception {
    start(EtcdFakeServer.builder());
    Stream s = new Stream();
    s.create(watch("k"));
    s.next();
    s.create(watch("j"));
    s.next();
    assertThat(server.watchHub().watcherCount()).isEqualTo(2);
    assertThat(server.watchHub().streamCount()).isEqualTo(1);
    put("k", ByteString.copyFromUtf8("1"));
    s.next();
    server.reset();
    WatchResponse first = s.next();
    WatchResponse second = s.next();
    assertThat(first.getCanceled()).isTrue();
    assertThat(first.getCancelReason()).isEqualTo(EtcdFakeServer.RESET_REASON);
    assertThat(second.getCanceled()).isTrue();
    assertThat(server.watchHub().watcherCount()).isZero();
    // the stream itself lives on
    s.create(watch("k"));
    assertThat(s.next().getHeader().getRevision()).isEqualTo(1);
    server.close();
    assertThat(((Status) s.nextAnswer()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(server.watchHub().streamCount()).isZero();
  }

  @Test
  void aClientThatGoesAwayLeavesNoWatcherBehind() throws Exception {
    start(EtcdFakeServer.builder());
    Stream s = new Stream();
    for (int i = 0; i < 10; i++) {
      s.create(watch("k" + i));
      s.next();
    }
    assertThat(server.watchHub().watcherCount()).isEqualTo(10);
    s.requests.onError(new RuntimeException("client gone"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while ((server.watchHub().watcherCount() > 0 || server.watchHub().streamCount() > 0)
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(server.watchHub().watcherCount()).isZero();
    assertThat(server.watchHub().streamCount()).isZero();
  }
}
