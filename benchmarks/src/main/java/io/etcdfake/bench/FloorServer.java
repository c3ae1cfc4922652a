package io.etcdfake.bench;

import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.api.lock.LockGrpc;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.etcd.jetcd.api.lock.UnlockResponse;
import io.etcdfake.server.EtcdFakeServer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor: a gRPC server answering etcd's RPCs with canned responses and no store, so what a
 * client measures against it is the cost of gRPC, protobuf and the loopback alone. Its only state is
 * a revision counter and, so that the watch workload has events to deliver, the open watches: each put
 * is echoed to every watch as one event, with no key matching.
 */
public final class FloorServer implements AutoCloseable {
  private final AtomicLong revision = new AtomicLong(1);
  private final List<Watch> watches = new CopyOnWriteArrayList<>();
  private final Server server;

  private record Watch(StreamObserver<WatchResponse> stream, long id) {}

  /** The executor the fake's server uses by default: a fair floor pays the same hand-offs. */
  private final ThreadPoolExecutor executor = new ThreadPoolExecutor(EtcdFakeServer.DEFAULT_EXECUTOR_THREADS,
      EtcdFakeServer.DEFAULT_EXECUTOR_THREADS, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>());

  private FloorServer() {
    executor.allowCoreThreadTimeOut(true);
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .executor(executor)
        .permitKeepAliveWithoutCalls(true)
        .permitKeepAliveTime(5, TimeUnit.SECONDS)
        .addService(new Kv())
        .addService(new Lease())
        .addService(new Lock())
        .addService(new Watches())
        .build();
  }

  /** Starts a floor server on a free port of 127.0.0.1. */
  public static FloorServer start() throws IOException {
    FloorServer f = new FloorServer();
    f.server.start();
    return f;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getPort();
  }

  ResponseHeader header(long rev) {
    return ResponseHeader.newBuilder().setClusterId(1).setMemberId(2).setRaftTerm(2).setRevision(rev).build();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
    executor.shutdownNow();
  }

  private final class Kv extends KVGrpc.KVImplBase {

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> responses) {
      FloorServer f = FloorServer.this;
      long rev = f.revision.incrementAndGet();
      if (!f.watches.isEmpty()) {
        WatchResponse.Builder event = WatchResponse.newBuilder().setHeader(f.header(rev))
            .addEvents(Event.newBuilder().setType(Event.EventType.PUT).setKv(KeyValue.newBuilder()
                .setKey(request.getKey()).setValue(request.getValue())
                .setCreateRevision(rev).setModRevision(rev).setVersion(1)));
        for (Watch w : f.watches) {
          WatchResponse r = event.setWatchId(w.id).build();
          synchronized (w.stream) {
            w.stream.onNext(r);
          }
        }
      }
      responses.onNext(PutResponse.newBuilder().setHeader(f.header(rev)).build());
      responses.onCompleted();
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> responses) {
      FloorServer f = FloorServer.this;
      long rev = f.revision.get();
      responses.onNext(RangeResponse.newBuilder().setHeader(f.header(rev)).setCount(1)
          .addKvs(KeyValue.newBuilder().setKey(request.getKey()).setValue(request.getKey())
              .setCreateRevision(1).setModRevision(rev).setVersion(1))
          .build());
      responses.onCompleted();
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> responses) {
      FloorServer f = FloorServer.this;
      long rev = f.revision.incrementAndGet();
      responses.onNext(TxnResponse.newBuilder().setHeader(f.header(rev)).setSucceeded(true)
          .addResponses(io.etcd.jetcd.api.ResponseOp.newBuilder()
              .setResponsePut(PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(rev))))
          .build());
      responses.onCompleted();
    }
  }

  private final class Lease extends LeaseGrpc.LeaseImplBase {
    private final AtomicLong ids = new AtomicLong(0x7e57_0000L);

    @Override
    public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> responses) {
      FloorServer f = FloorServer.this;
      responses.onNext(LeaseGrantResponse.newBuilder().setHeader(f.header(f.revision.get()))
          .setID(request.getID() != 0 ? request.getID() : ids.incrementAndGet()).setTTL(request.getTTL()).build());
      responses.onCompleted();
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> responses) {
      FloorServer f = FloorServer.this;
      responses.onNext(LeaseRevokeResponse.newBuilder().setHeader(f.header(f.revision.get())).build());
      responses.onCompleted();
    }

    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> responses) {
      FloorServer f = FloorServer.this;
      return new StreamObserver<>() {
        @Override
        public void onNext(LeaseKeepAliveRequest r) {
          responses.onNext(LeaseKeepAliveResponse.newBuilder().setHeader(f.header(f.revision.get()))
              .setID(r.getID()).setTTL(60).build());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          responses.onCompleted();
        }
      };
    }
  }

  private final class Lock extends LockGrpc.LockImplBase {

    @Override
    public void lock(LockRequest request, StreamObserver<LockResponse> responses) {
      FloorServer f = FloorServer.this;
      long rev = f.revision.incrementAndGet();
      responses.onNext(LockResponse.newBuilder().setHeader(f.header(rev))
          .setKey(request.getName().concat(com.google.protobuf.ByteString.copyFromUtf8("/" + Long.toHexString(request.getLease()))))
          .build());
      responses.onCompleted();
    }

    @Override
    public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> responses) {
      FloorServer f = FloorServer.this;
      responses.onNext(UnlockResponse.newBuilder().setHeader(f.header(f.revision.incrementAndGet())).build());
      responses.onCompleted();
    }
  }

  private final class Watches extends WatchGrpc.WatchImplBase {
    private final AtomicLong ids = new AtomicLong();

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
      FloorServer f = FloorServer.this;
      List<Watch> mine = new CopyOnWriteArrayList<>();
      return new StreamObserver<>() {
        @Override
        public void onNext(WatchRequest r) {
          if (r.hasCreateRequest()) {
            WatchCreateRequest c = r.getCreateRequest();
            long id = ids.getAndIncrement();
            Watch w = new Watch(responses, id);
            synchronized (responses) {
              responses.onNext(WatchResponse.newBuilder().setHeader(f.header(f.revision.get()))
                  .setWatchId(id).setCreated(true).build());
            }
            mine.add(w);
            f.watches.add(w);
          } else if (r.hasCancelRequest()) {
            long id = r.getCancelRequest().getWatchId();
            mine.removeIf(w -> w.id == id);
            f.watches.removeIf(w -> w.stream == responses && w.id == id);
            synchronized (responses) {
              responses.onNext(WatchResponse.newBuilder().setHeader(f.header(f.revision.get()))
                  .setWatchId(id).setCanceled(true).build());
            }
          }
        }

        @Override
        public void onError(Throwable t) {
          f.watches.removeAll(mine);
        }

        @Override
        public void onCompleted() {
          f.watches.removeAll(mine);
          synchronized (responses) {
            responses.onCompleted();
          }
        }
      };
    }
  }
}
