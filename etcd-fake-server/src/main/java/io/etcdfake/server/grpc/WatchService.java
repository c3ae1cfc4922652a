package io.etcdfake.server.grpc;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcdfake.server.auth.AuthStore;
import io.etcdfake.server.auth.Caller;
import io.etcdfake.server.errors.EtcdError;
import io.etcdfake.server.errors.EtcdException;
import io.etcdfake.server.mvcc.KeyValue;
import io.etcdfake.server.watch.WatchHub;
import io.etcdfake.server.watch.WatchOptions;
import io.etcdfake.server.watch.WatchReply;
import io.etcdfake.server.watch.WatchStream;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;

/** etcd's Watch service: one {@link WatchStream} per gRPC stream. */
public final class WatchService extends WatchGrpc.WatchImplBase {
  /**
   * Fields of etcd's rpc.proto newer than jetcd's copy, which arrive or leave as unknown fields:
   * WatchCreateRequest.watch_id (7) and .fragment (8), WatchResponse.fragment (7).
   */
  private static final int CREATE_WATCH_ID = 7;
  private static final int CREATE_FRAGMENT = 8;
  private static final int RESPONSE_FRAGMENT = 7;
  /** etcd splits a fragmentable response at --max-request-bytes plus its gRPC overhead allowance */
  private static final int GRPC_OVERHEAD_BYTES = 512 * 1024;
  /** bytes a stream may have in the transport before it stops taking responses: a client's usual window */
  private static final int SEND_BUFFER_BYTES = 1 << 20;

  private final AuthStore auth;
  private final WatchHub hub;
  private final Headers headers;
  private final int fragmentBytes;

  public WatchService(WatchHub hub, Headers headers, int maxRequestBytes) {
    this(hub, headers, maxRequestBytes, new AuthStore());
  }

  /** With auth: a create needs read on its range, or it is answered created and canceled, as etcd does. */
  public WatchService(WatchHub hub, Headers headers, int maxRequestBytes, AuthStore auth) {
    this.auth = auth;
    this.hub = hub;
    this.headers = headers;
    this.fragmentBytes = maxRequestBytes + GRPC_OVERHEAD_BYTES;
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    ServerCallStreamObserver<WatchResponse> out = (ServerCallStreamObserver<WatchResponse>) responses;
    // etcd's sends on a stream wait only for HTTP/2 flow control; grpc-java's default 32 KiB before
    // "not ready" would leave the watchers of a busy stream behind (to catch up from history) long
    // before etcd would
    out.setOnReadyThreshold(SEND_BUFFER_BYTES);
    WatchStream stream = WatchStream.open(hub, new Sink(out));
    out.setOnReadyHandler(stream::drain);
    out.setOnCancelHandler(stream::close);
    return new StreamObserver<>() {
      @Override
      public void onNext(WatchRequest request) {
        switch (request.getRequestUnionCase()) {
          case CREATE_REQUEST -> {
            String refusal = refusal(request.getCreateRequest());
            if (refusal != null) {
              stream.refuse(refusal);
            } else {
              stream.create(toCreate(request.getCreateRequest()));
            }
          }
          case CANCEL_REQUEST -> stream.cancel(request.getCancelRequest().getWatchId());
          case PROGRESS_REQUEST -> stream.requestProgress();
          default -> { } // etcd ignores a request with nothing set
        }
      }

      @Override
      public void onError(Throwable t) {
        stream.close();
      }

      @Override
      public void onCompleted() {
        // etcd keeps sending after the client half-closes; the stream ends when the client cancels
      }
    };
  }

  /** Why auth refuses this watch, as etcd words its cancel_reason; null when it may go ahead. */
  private String refusal(WatchCreateRequest c) {
    if (!auth.isEnabled()) {
      return null;
    }
    Caller who;
    try {
      who = TokenInterceptor.caller(auth);
    } catch (EtcdException e) {
      return AuthStore.grpcErrorText(EtcdError.INVALID_AUTH_TOKEN);
    }
    return auth.watchRefusal(who, c.getKey(), c.getRangeEnd());
  }

  static WatchStream.Create toCreate(WatchCreateRequest c) {
    boolean noPut = false;
    boolean noDelete = false;
    for (int f : c.getFiltersValueList()) {
      noPut |= f == WatchCreateRequest.FilterType.NOPUT_VALUE;
      noDelete |= f == WatchCreateRequest.FilterType.NODELETE_VALUE;
    }
    UnknownFieldSet unknown = c.getUnknownFields();
    return new WatchStream.Create(c.getKey(), c.getRangeEnd(), c.getStartRevision(),
        lastVarint(unknown, CREATE_WATCH_ID), c.getProgressNotify(), lastVarint(unknown, CREATE_FRAGMENT) != 0,
        new WatchOptions(c.getPrevKv(), noPut, noDelete));
  }

  private static long lastVarint(UnknownFieldSet fields, int number) {
    if (!fields.hasField(number)) {
      return 0;
    }
    List<Long> values = fields.getField(number).getVarintList();
    return values.isEmpty() ? 0 : values.get(values.size() - 1);
  }

  static Event toProto(io.etcdfake.server.mvcc.Event e) {
    Event.Builder b = Event.newBuilder();
    if (e.type() == io.etcdfake.server.mvcc.Event.Type.DELETE) {
      // etcd's DELETE event carries the key and the delete revision only
      b.setType(Event.EventType.DELETE)
          .setKv(io.etcd.jetcd.api.KeyValue.newBuilder().setKey(e.kv().key()).setModRevision(e.kv().modRevision()));
    } else {
      b.setType(Event.EventType.PUT).setKv(KvProtos.toProto(e.kv()));
    }
    KeyValue prev = e.prevKv();
    if (prev != null) {
      b.setPrevKv(KvProtos.toProto(prev));
    }
    return b.build();
  }

  /** The last event list converted, and its protos. */
  private record Converted(List<io.etcdfake.server.mvcc.Event> from, List<Event> protos) {}

  /**
   * The hub hands one list to every watcher that wants a revision's events as they are; converting
   * it once instead of once per watcher keeps a fan-out to many watchers cheap. Racing senders at
   * worst convert twice.
   */
  private volatile Converted lastConverted = new Converted(List.of(), List.of());

  private List<Event> protos(List<io.etcdfake.server.mvcc.Event> from) {
    Converted c = lastConverted;
    if (c.from() == from) {
      return c.protos();
    }
    List<Event> out = new ArrayList<>(from.size());
    for (io.etcdfake.server.mvcc.Event e : from) {
      out.add(toProto(e));
    }
    List<Event> protos = java.util.Collections.unmodifiableList(out);
    lastConverted = new Converted(from, protos);
    return protos;
  }

  /** Writes a stream's responses to gRPC; called under the stream's lock, so never concurrently. */
  private final class Sink implements WatchStream.Sink {
    private final ServerCallStreamObserver<WatchResponse> out;

    Sink(ServerCallStreamObserver<WatchResponse> out) {
      this.out = out;
    }

    @Override
    public boolean isReady() {
      return out.isReady();
    }

    @Override
    public void send(WatchReply r) {
      WatchResponse.Builder b = WatchResponse.newBuilder()
          // a compaction cancel has revision 0 but etcd still fills the header's identity
          .setHeader(headers.of(r.revision()))
          .setWatchId(r.watchId())
          .setCreated(r.created())
          .setCanceled(r.canceled())
          .setCompactRevision(r.compactRevision())
          .setCancelReason(r.cancelReason());
      List<Event> events = protos(r.events());
      try {
        if (!r.fragmentable() || events.size() < 2) {
          out.onNext(b.addAllEvents(events).build());
        } else {
          sendFragments(b, events);
        }
      } catch (RuntimeException e) {
        // the client went away meanwhile; its cancel handler closes the stream
      }
    }

    /** etcd's sendFragments: parts of at least one event, each below the limit where it can be, all but the last flagged. */
    private void sendFragments(WatchResponse.Builder b, List<Event> events) {
      WatchResponse whole = b.clone().addAllEvents(events).build();
      if (whole.getSerializedSize() < fragmentBytes) {
        out.onNext(whole);
        return;
      }
      UnknownFieldSet flagged = UnknownFieldSet.newBuilder()
          .addField(RESPONSE_FRAGMENT, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
          .build();
      int base = b.clone().setUnknownFields(flagged).build().getSerializedSize();
      int i = 0;
      while (i < events.size()) {
        List<Event> part = new ArrayList<>();
        long size = base;
        while (i < events.size()) {
          int evSize = events.get(i).getSerializedSize();
          long withIt = size + 1 + CodedOutputStream.computeUInt32SizeNoTag(evSize) + evSize;
          if (!part.isEmpty() && withIt >= fragmentBytes) {
            break;
          }
          part.add(events.get(i));
          size = withIt;
          i++;
        }
        WatchResponse.Builder p = b.clone().addAllEvents(part);
        if (i < events.size()) {
          p.setUnknownFields(flagged);
        }
        out.onNext(p.build());
      }
    }

    @Override
    public void terminate() {
      try {
        out.onError(Status.UNAVAILABLE.withDescription("etcdserver: server stopped").asRuntimeException());
      } catch (RuntimeException e) {
        // already ended
      }
    }
  }
}
