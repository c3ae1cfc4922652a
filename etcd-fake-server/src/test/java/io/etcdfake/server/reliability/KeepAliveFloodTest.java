package io.etcdfake.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcdfake.server.EtcdFakeServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A client that floods keep-alives and never reads the answers: the server must stop reading its
 * requests (the client's stream stops being ready) rather than queue answers without bound, and
 * answer every request once the client reads again.
 */
class KeepAliveFloodTest {
  private static final int CAP = 1_000_000;

  @Test
  void aFloodingClientThatDoesNotReadIsThrottledNotBuffered() throws Exception {
    try (EtcdFakeServer server = EtcdFakeServer.builder().build().start()) {
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        long id = LeaseGrpc.newBlockingStub(channel)
            .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
        BlockingQueue<Object> ready = new LinkedBlockingQueue<>();
        long[] answered = {0};
        @SuppressWarnings("unchecked")
        ClientCallStreamObserver<LeaseKeepAliveRequest>[] out = new ClientCallStreamObserver[1];
        LeaseGrpc.newStub(channel).leaseKeepAlive(new ClientResponseObserver<LeaseKeepAliveRequest, LeaseKeepAliveResponse>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<LeaseKeepAliveRequest> requests) {
            out[0] = requests;
            requests.disableAutoRequestWithInitial(0); // read nothing for now
            requests.setOnReadyHandler(() -> ready.add(Boolean.TRUE));
          }

          @Override
          public void onNext(LeaseKeepAliveResponse r) {
            synchronized (answered) {
              answered[0]++;
              answered.notifyAll();
            }
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
        LeaseKeepAliveRequest request = LeaseKeepAliveRequest.newBuilder().setID(id).build();
        int sent = 0;
        boolean stalled = false;
        while (sent < CAP) {
          if (out[0].isReady()) {
            out[0].onNext(request);
            sent++;
          } else if (ready.poll(3, TimeUnit.SECONDS) == null && !out[0].isReady()) {
            stalled = true; // the server stopped pulling requests
            break;
          }
        }
        assertThat(stalled).as("the server stopped reading after %d unanswered keep-alives", sent).isTrue();
        assertThat(sent).isLessThan(CAP);

        // once the client reads, every request it sent gets its one answer
        out[0].request(Integer.MAX_VALUE);
        synchronized (answered) {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
          while (answered[0] < sent && System.nanoTime() < deadline) {
            answered.wait(1000);
          }
          assertThat(answered[0]).isEqualTo(sent);
        }
        out[0].onCompleted();
      } finally {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }
}
