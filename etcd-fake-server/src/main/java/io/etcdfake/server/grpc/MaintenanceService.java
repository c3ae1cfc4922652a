package io.etcdfake.server.grpc;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.DefragmentResponse;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.HashKVResponse;
import io.etcd.jetcd.api.HashRequest;
import io.etcd.jetcd.api.HashResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.MoveLeaderResponse;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.etcdfake.server.maintenance.Alarm;
import io.etcdfake.server.maintenance.Maintenance;
import io.etcdfake.server.mvcc.MvccStore;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** etcd's Maintenance service over {@link Maintenance}. */
public final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  /** etcd sends its snapshot in pieces of this size. */
  private static final int SNAPSHOT_CHUNK = 32 * 1024;
  private static final int SHA_BYTES = 32;

  private final Maintenance maintenance;
  private final MvccStore store;
  private final Headers headers;

  public MaintenanceService(Maintenance maintenance, MvccStore store, Headers headers) {
    this.maintenance = maintenance;
    this.store = store;
    this.headers = headers;
  }

  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> responses) {
    Calls.unary(responses, () -> {
      int type = request.getAlarmValue();
      AlarmResponse.Builder b = AlarmResponse.newBuilder();
      List<Alarm> answer = switch (request.getActionValue()) {
        case AlarmRequest.AlarmAction.ACTIVATE_VALUE -> listOf(maintenance.alarms().activate(request.getMemberID(), type));
        case AlarmRequest.AlarmAction.DEACTIVATE_VALUE -> listOf(maintenance.alarms().deactivate(request.getMemberID(), type));
        // GET, and an action etcd does not know (on which etcd's server crashes: see EtcdCrashesDiffTest)
        default -> maintenance.alarms().get(type);
      };
      for (Alarm a : answer) {
        b.addAlarms(AlarmMember.newBuilder().setMemberID(a.memberId()).setAlarmValue(a.code()));
      }
      return b.setHeader(headers.of(store.currentRevision())).build();
    });
  }

  private static List<Alarm> listOf(Alarm a) {
    return a == null ? List.of() : List.of(a);
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> responses) {
    Calls.unary(responses, () -> {
      Maintenance.Status s = maintenance.status();
      return StatusResponse.newBuilder()
          .setHeader(headers.of(s.revision()))
          .setVersion(s.version())
          .setDbSize(s.dbSize())
          .setLeader(s.leader())
          .setRaftIndex(s.raftIndex())
          .setRaftTerm(s.raftTerm())
          .setRaftAppliedIndex(s.raftAppliedIndex())
          .addAllErrors(s.errors())
          .setDbSizeInUse(s.dbSizeInUse())
          .setIsLearner(s.learner())
          .build();
    });
  }

  @Override
  public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> responses) {
    Calls.unary(responses, () -> {
      maintenance.defragment();
      return DefragmentResponse.getDefaultInstance();
    });
  }

  @Override
  public void hash(HashRequest request, StreamObserver<HashResponse> responses) {
    Calls.unary(responses, () -> {
      Maintenance.HashResult h = maintenance.hash();
      return HashResponse.newBuilder().setHeader(headers.of(h.revision())).setHash(h.hash()).build();
    });
  }

  @Override
  public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> responses) {
    Calls.unary(responses, () -> {
      Maintenance.KvHashResult h = maintenance.hashKv(request.getRevision());
      return HashKVResponse.newBuilder()
          .setHeader(headers.of(h.revision()))
          .setHash(h.hash())
          .setCompactRevision(h.compactRevision())
          .build();
    });
  }

  /** As etcd: pieces of 32 KiB counting down remaining_bytes, then one more holding the SHA-256. */
  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> responses) {
    byte[] bytes;
    try {
      bytes = maintenance.snapshot();
    } catch (RuntimeException e) {
      responses.onError(Calls.toStatus(e));
      return;
    }
    int data = bytes.length - SHA_BYTES;
    for (int sent = 0; sent < data; ) {
      int n = Math.min(SNAPSHOT_CHUNK, data - sent);
      responses.onNext(SnapshotResponse.newBuilder()
          .setRemainingBytes(data - sent - n)
          .setBlob(ByteString.copyFrom(bytes, sent, n))
          .build());
      sent += n;
    }
    responses.onNext(SnapshotResponse.newBuilder().setBlob(ByteString.copyFrom(bytes, data, SHA_BYTES)).build());
    responses.onCompleted();
  }

  @Override
  public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> responses) {
    Calls.unary(responses, () -> {
      maintenance.moveLeader(request.getTargetID());
      return MoveLeaderResponse.getDefaultInstance();
    });
  }
}
