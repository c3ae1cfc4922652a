package io.etcdfake.server.maintenance;

import com.google.protobuf.ByteString;
import io.etcdfake.server.MemberIdentity;
import io.etcdfake.server.errors.EtcdError;
import io.etcdfake.server.lease.Lessor;
import io.etcdfake.server.membership.Member;
import io.etcdfake.server.membership.Membership;
import io.etcdfake.server.mvcc.Footprint;
import io.etcdfake.server.mvcc.KeyValue;
import io.etcdfake.server.mvcc.MvccState;
import io.etcdfake.server.mvcc.MvccStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * etcd's maintenance operations over the in-memory store: status, alarms, hashes, snapshots,
 * defragmentation and leader moves of a one-member cluster.
 */
public final class Maintenance {
  /** The etcd version the fake reports by default. */
  public static final String DEFAULT_VERSION = "3.5.17";
  /** etcd's default --quota-backend-bytes (2 GiB) and its ceiling (8 GiB). */
  public static final long DEFAULT_QUOTA_BYTES = 2L * 1024 * 1024 * 1024;
  /**
   * A fresh etcd has applied 4 raft entries: its own addition to the cluster, the new leader's
   * empty entry, its published attributes and the cluster version.
   */
  static final long FRESH_RAFT_INDEX = 4;
  /** bbolt's page, and a fresh etcd's database: 5 pages, 4 of them in use. */
  static final long PAGE = 4096;
  static final long FRESH_IN_USE = 4 * PAGE;

  private final MvccStore store;
  private final Lessor lessor;
  private final Alarms alarms;
  private final Membership membership;
  private final MemberIdentity identity;
  private final String version;
  private final long quotaBytes;
  private final AtomicLong raftIndex = new AtomicLong(FRESH_RAFT_INDEX);
  /** bbolt's file only grows until a defragmentation; this is its high-water mark. */
  private final AtomicLong dbSize = new AtomicLong(FRESH_IN_USE + PAGE);

  public Maintenance(MvccStore store, Lessor lessor, Alarms alarms, Membership membership, MemberIdentity identity,
      String version, long quotaBytes) {
    this.store = store;
    this.lessor = lessor;
    this.alarms = alarms;
    this.membership = membership;
    this.identity = identity;
    this.version = version;
    // etcd's rule: 0 is the default quota, a negative one disables it
    this.quotaBytes = quotaBytes == 0 ? DEFAULT_QUOTA_BYTES : quotaBytes;
  }

  /** etcd's StatusResponse. */
  public record Status(String version, long dbSize, long dbSizeInUse, long leader, long raftIndex, long raftTerm,
      long raftAppliedIndex, List<String> errors, boolean learner, long revision) {}

  /** etcd's HashKVResponse; {@code revision} is the header's (the current revision). */
  public record KvHashResult(int hash, long compactRevision, long revision) {}

  public record HashResult(int hash, long revision) {}

  public Alarms alarms() {
    return alarms;
  }

  public Status status() {
    long revision = store.currentRevision();
    long inUse = sizeInUse(store.footprint());
    long size = grow(inUse);
    long index = raftIndex.get();
    List<String> errors = alarms.all().stream().map(Alarm::describe).toList();
    return new Status(version, size, inUse, identity.memberId(), index, identity.raftTerm(), index, errors, false,
        revision);
  }

  /** etcd's raft index: one more for each request etcd would have sent through raft. */
  public void raftApplied() {
    raftIndex.incrementAndGet();
  }

  /**
   * etcd's HashKV: the hash of every retained version up to {@code revision} (0: the current one).
   * Equals a real etcd's for the same history.
   */
  public KvHashResult hashKv(long revision) {
    MvccState state = store.exportState();
    if (revision > 0 && revision <= state.compactRevision()) {
      throw EtcdError.COMPACTED.exception();
    }
    if (revision > state.currentRevision()) {
      throw EtcdError.FUTURE_REVISION.exception();
    }
    long upTo = revision > 0 ? revision : state.currentRevision();
    return new KvHashResult(KvHash.hash(state, upTo), state.compactRevision(), state.currentRevision());
  }

  /**
   * etcd's Hash covers its whole database file, which the fake does not have: this is the hash of
   * the key space at the current revision (HashKV's), so it is stable and changes with the data.
   */
  public HashResult hash() {
    MvccState state = store.exportState();
    return new HashResult(KvHash.hash(state, state.currentRevision()), state.currentRevision());
  }

  /** Defragmentation gives the free pages back: the database shrinks to what is in use. */
  public void defragment() {
    long inUse = sizeInUse(store.footprint());
    dbSize.set(inUse + PAGE);
  }

  /** etcd's MoveLeader in a cluster where this member leads and no other member ever started. */
  public void moveLeader(long target) {
    Member m = membership.get(target);
    if (m == null || m.learner()) {
      throw EtcdError.BAD_LEADER_TRANSFEREE.exception();
    }
    if (target != identity.memberId()) {
      throw EtcdError.LEADER_TRANSFER_TIMEOUT.exception();
    }
  }

  /**
   * etcd's quota check before a write that costs {@code cost} bytes: over the quota, the NOSPACE
   * alarm goes up and the write is refused.
   */
  public void checkQuota(long cost) {
    if (cost == 0 || quotaBytes < 0) {
      return; // a disabled quota: etcd's passthrough
    }
    if (currentDbSize() + cost >= quotaBytes) {
      alarms.activate(identity.memberId(), Alarm.Type.NOSPACE);
      throw EtcdError.NO_SPACE.exception();
    }
  }

  /** The space quota in bytes; negative when disabled. */
  public long quotaBytes() {
    return quotaBytes;
  }

  /** The snapshot's bytes (see {@link SnapshotFormat}), its SHA-256 at the end. */
  public byte[] snapshot() {
    // the store's lock before the lessor's, as everywhere (see Lessor): exported one after the other
    return SnapshotFormat.write(new SnapshotFormat.Contents(store.exportState(), alarms.all(), lessor.grants()));
  }

  /** Replaces the key space, the leases and the alarms with a snapshot's. */
  public void restore(InputStream snapshot) throws IOException {
    SnapshotFormat.Contents contents = SnapshotFormat.read(snapshot);
    store.importState(contents.state());
    lessor.restore(contents.leases(), keysByLease(contents.state()));
    alarms.clear();
    for (Alarm a : contents.alarms()) {
      alarms.activate(a.memberId(), a.code());
    }
  }

  /** The live keys of a state that name a lease: each key's last version, unless that is a deletion. */
  private static Map<Long, List<ByteString>> keysByLease(MvccState state) {
    Map<ByteString, KeyValue> latest = new HashMap<>();
    for (MvccState.Entry e : state.entries()) {
      latest.put(e.kv().key(), e.kv()); // entries come in revision order: the last one wins
    }
    Map<Long, List<ByteString>> out = new HashMap<>();
    for (KeyValue kv : latest.values()) {
      if (kv.version() != 0 && kv.lease() != 0) {
        out.computeIfAbsent(kv.lease(), id -> new ArrayList<>()).add(kv.key());
      }
    }
    return out;
  }

  /** Back to a fresh member: no alarms, the first raft index, a fresh database size. */
  public synchronized void reset() {
    alarms.clear();
    raftIndex.set(FRESH_RAFT_INDEX);
    dbSize.set(FRESH_IN_USE + PAGE);
  }

  private long currentDbSize() {
    return grow(sizeInUse(store.footprint()));
  }

  private long grow(long inUse) {
    return dbSize.accumulateAndGet(inUse + PAGE, Math::max);
  }

  /**
   * An estimate of bbolt's pages in use: a fresh database's, plus each retained version's backend
   * key and value with bbolt's per-element header, in whole pages.
   */
  static long sizeInUse(Footprint retained) {
    long bytes = retained.versions() * (18 + 16 + 30) + retained.bytes();
    return FRESH_IN_USE + (bytes + PAGE - 1) / PAGE * PAGE;
  }
}
