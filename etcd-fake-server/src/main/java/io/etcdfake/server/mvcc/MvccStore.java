package io.etcdfake.server.mvcc;

import com.google.protobuf.ByteString;
import io.etcdfake.server.errors.EtcdError;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * The revisioned key-value store: etcd's mvcc layer, in memory. One writer at a time (a lock) makes
 * each write one revision; readers take no lock and read at a revision, so they never see a
 * half-applied txn. The key index (key → {@link KeyHistory}) answers reads by key; the
 * {@link RevisionLog} answers watchers by revision.
 */
public final class MvccStore {
  /** etcd's defaults: --max-txn-ops and --max-request-bytes. */
  public static final int DEFAULT_MAX_TXN_OPS = 128;

  public static final int DEFAULT_MAX_REQUEST_BYTES = 1536 * 1024;

  private final ReentrantLock writeLock = new ReentrantLock();
  private final List<LongConsumer> commitListeners = new CopyOnWriteArrayList<>();
  private final int maxTxnOps;
  private final int maxRequestBytes;
  private volatile LeaseIndex leases = LeaseIndex.NONE;
  private volatile Keyspace keyspace = new Keyspace();
  /** etcd's NOSPACE alarm: while raised, etcd's capped applier refuses puts and txns with a put. */
  private volatile boolean noSpace;

  /** Everything {@link #reset()} throws away at once. */
  private static final class Keyspace {
    final ConcurrentSkipListMap<ByteString, KeyHistory> index = new ConcurrentSkipListMap<>(KeyRange.ORDER);
    RevisionLog log = new RevisionLog(2);
    /** published after a revision's changes are all in place */
    volatile long currentRevision = 1;
    /** etcd starts at -1, so that Compact(0) on a new store is accepted */
    volatile long compactRevision = -1;
    /** every retained version's size, as {@link #exportState()} would list them */
    volatile Footprint footprint = Footprint.EMPTY;
    /**
     * Sub-revisions (position within their revision) of retained versions whose revision left the
     * log at a compaction, where they differ from 0: HashKV and snapshots need them.
     */
    final ConcurrentSkipListMap<Long, java.util.Map<ByteString, Integer>> compactedSubs = new ConcurrentSkipListMap<>();
  }

  public MvccStore() {
    this(DEFAULT_MAX_TXN_OPS, DEFAULT_MAX_REQUEST_BYTES);
  }

  public MvccStore(int maxTxnOps, int maxRequestBytes) {
    this.maxTxnOps = maxTxnOps;
    this.maxRequestBytes = maxRequestBytes;
  }

  public void setLeaseIndex(LeaseIndex leases) {
    this.leases = leases;
  }

  /** Called with each new revision after it is visible to readers; must not block. */
  public void addCommitListener(LongConsumer listener) {
    commitListeners.add(listener);
  }

  public long currentRevision() {
    return keyspace.currentRevision;
  }

  /** The revision of the last compaction, or -1 (0 is a valid compaction, as in etcd). */
  public long compactRevision() {
    return keyspace.compactRevision;
  }

  /** The retained versions and their bytes, without walking the store. */
  public Footprint footprint() {
    return keyspace.footprint;
  }

  /** Raises or clears the NOSPACE state (the maintenance alarms decide; the store only obeys). */
  public void setNoSpace(boolean raised) {
    this.noSpace = raised;
  }

  public boolean noSpace() {
    return noSpace;
  }

  public int maxRequestBytes() {
    return maxRequestBytes;
  }

  // ---------------------------------------------------------------- reads

  public Result.Range range(Op.Range r) {
    RequestValidation.checkRange(r);
    Keyspace ks = keyspace;
    return range(ks, r, ks.currentRevision);
  }

  /** The live version of a key at a revision, or null; null too where that revision is compacted. */
  public KeyValue get(ByteString key, long revision) {
    Keyspace ks = keyspace;
    KeyHistory h = ks.index.get(key);
    KeyValue kv = h == null ? null : h.at(revision);
    return revision < ks.compactRevision ? null : kv;
  }

  /** Live keys at the current revision, in key order: for inspection and for lease key lists. */
  public List<KeyValue> snapshot(KeyRange keys) {
    Keyspace ks = keyspace;
    return collect(ks, keys, ks.currentRevision, Integer.MAX_VALUE, new long[1]);
  }

  /**
   * The changes of revisions {@code from..to} in order, at most about {@code max} (whole revisions).
   * Fails with "compacted" when {@code from} is below the compact revision.
   */
  public List<Event> changes(long from, long to, int max) {
    Keyspace ks = keyspace;
    if (from < ks.compactRevision) {
      throw EtcdError.COMPACTED.exception();
    }
    List<KeyValue> kvs = ks.log.changes(from, to, max);
    List<Event> events = new ArrayList<>(kvs.size());
    for (KeyValue kv : kvs) {
      events.add(Event.of(kv));
    }
    return events;
  }

  private Result.Range range(Keyspace ks, Op.Range r, long currentRevision) {
    if (r.revision() > currentRevision) {
      throw EtcdError.FUTURE_REVISION.exception();
    }
    long rev = r.revision() <= 0 ? currentRevision : r.revision();
    if (rev < ks.compactRevision) {
      throw EtcdError.COMPACTED.exception();
    }
    boolean sorts = r.sortOrder() != Op.Range.SORT_NONE || r.sortTarget() != Op.Range.TARGET_KEY;
    boolean filters = r.minModRevision() != 0 || r.maxModRevision() != 0
        || r.minCreateRevision() != 0 || r.maxCreateRevision() != 0;
    // etcd reads everything only when an order is asked for or a filter is set; otherwise it reads
    // limit+1 keys in key order (the +1 tells 'more') and sorts just those, even when a target
    // other than KEY with order NONE asks for an ascending sort
    boolean readsAll = r.sortOrder() != Op.Range.SORT_NONE || filters || r.limit() <= 0;
    int wanted = r.countOnly() ? 0
        : readsAll || r.limit() >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) r.limit() + 1;
    long[] count = new long[1];
    List<KeyValue> kvs = collect(ks, r.keys(), rev, wanted, count);
    if (rev < ks.compactRevision) {
      // a compaction ran while we read below it
      throw EtcdError.COMPACTED.exception();
    }
    if (r.countOnly()) {
      return new Result.Range(List.of(), false, count[0], currentRevision);
    }
    if (filters) {
      kvs.removeIf(kv -> (r.minModRevision() != 0 && kv.modRevision() < r.minModRevision())
          || (r.maxModRevision() != 0 && kv.modRevision() > r.maxModRevision())
          || (r.minCreateRevision() != 0 && kv.createRevision() < r.minCreateRevision())
          || (r.maxCreateRevision() != 0 && kv.createRevision() > r.maxCreateRevision()));
    }
    if (sorts) {
      sort(kvs, r.sortOrder(), r.sortTarget());
    }
    boolean more = false;
    if (r.limit() > 0 && kvs.size() > r.limit()) {
      kvs = kvs.subList(0, (int) r.limit());
      more = true;
    }
    if (r.keysOnly()) {
      kvs = new ArrayList<>(kvs);
      kvs.replaceAll(KeyValue::withoutValue);
    }
    return new Result.Range(List.copyOf(kvs), more, count[0], currentRevision);
  }

  /** Live versions in the range at rev, in key order, at most {@code max}; count[0] gets them all. */
  private static List<KeyValue> collect(Keyspace ks, KeyRange keys, long rev, int max, long[] count) {
    List<KeyValue> out = new ArrayList<>();
    if (keys.isSingleKey()) {
      KeyHistory h = ks.index.get(keys.key());
      KeyValue kv = h == null ? null : h.at(rev);
      if (kv != null) {
        count[0] = 1;
        if (max > 0) {
          out.add(kv);
        }
      }
      return out;
    }
    if (keys.isEmpty()) {
      return out;
    }
    NavigableMap<ByteString, KeyHistory> span = keys.isOpenEnded()
        ? ks.index.tailMap(keys.key(), true)
        : ks.index.subMap(keys.key(), true, keys.end(), false);
    long n = 0;
    for (KeyHistory h : span.values()) {
      KeyValue kv = h.at(rev);
      if (kv != null) {
        if (n < max) {
          out.add(kv);
        }
        n++;
      }
    }
    count[0] = n;
    return out;
  }

  private static void sort(List<KeyValue> kvs, int order, int target) {
    if (order == Op.Range.SORT_NONE) {
      // any target but KEY without an order sorts ascending (KEY/NONE never gets here)
      order = Op.Range.SORT_ASCEND;
    }
    Comparator<KeyValue> cmp =
        switch (target) {
          case Op.Range.TARGET_VERSION -> Comparator.comparingLong(KeyValue::version);
          case Op.Range.TARGET_CREATE -> Comparator.comparingLong(KeyValue::createRevision);
          case Op.Range.TARGET_MOD -> Comparator.comparingLong(KeyValue::modRevision);
          case Op.Range.TARGET_VALUE -> Comparator.comparing(KeyValue::value, KeyRange.ORDER);
          default -> Comparator.comparing(KeyValue::key, KeyRange.ORDER);
        };
    // a stable sort from key order, as close as can be to Go's sort on small results
    kvs.sort(order == Op.Range.SORT_DESCEND ? cmp.reversed() : cmp);
  }

  // ---------------------------------------------------------------- writes

  public Result.Put put(Op.Put p, int requestBytes) {
    RequestValidation.checkPut(p);
    checkSize(requestBytes);
    if (noSpace) {
      throw EtcdError.NO_SPACE.exception();
    }
    return write(w -> {
      if (p.lease() != 0 && !leases.exists(p.lease())) {
        throw EtcdError.LEASE_NOT_FOUND.exception();
      }
      return w.applyPut(p);
    });
  }

  public Result.DeleteRange deleteRange(Op.DeleteRange d, int requestBytes) {
    RequestValidation.checkDelete(d);
    checkSize(requestBytes);
    return write(w -> w.applyDelete(d));
  }

  public Result.Txn txn(Op.Txn t, int requestBytes) {
    RequestValidation.checkTxn(t, maxTxnOps);
    if (RequestValidation.isReadOnly(t)) {
      // served from a snapshot without the writer, and without the size limit, as etcd does
      Keyspace ks = keyspace;
      return new WriteTxn(ks, ks.currentRevision, false).applyTxnTopLevel(t);
    }
    checkSize(requestBytes);
    // etcd's capped applier refuses a txn whose branches hold a put (nested txns cost nothing)
    if (noSpace && (t.success().stream().anyMatch(Op.Put.class::isInstance)
        || t.failure().stream().anyMatch(Op.Put.class::isInstance))) {
      throw EtcdError.NO_SPACE.exception();
    }
    return write(w -> w.applyTxnTopLevel(t));
  }

  // ---------------------------------------------------------------- checks alone (for the auth guard)

  /**
   * etcd's checks of a request, without running it: validation, then (for writes) the size limit.
   * Lets the auth guard run between these and the store, in etcd's order; the store checks again.
   */
  public void validate(Op op) {
    if (op instanceof Op.Range r) {
      RequestValidation.checkRange(r);
    } else if (op instanceof Op.Put p) {
      RequestValidation.checkPut(p);
    } else if (op instanceof Op.DeleteRange d) {
      RequestValidation.checkDelete(d);
    } else if (op instanceof Op.Txn t) {
      RequestValidation.checkTxn(t, maxTxnOps);
    }
  }

  /** The request size limit as applied to this request: writes only, read-only txns are exempt. */
  public void checkRequestSize(Op op, int requestBytes) {
    if (!(op instanceof Op.Range) && !(op instanceof Op.Txn t && RequestValidation.isReadOnly(t))) {
      checkSize(requestBytes);
    }
  }

  /** Compacts history below {@code revision}; answers the header revision (the current one). */
  public long compact(long revision) {
    writeLock.lock();
    try {
      Keyspace ks = keyspace;
      if (revision <= ks.compactRevision) {
        throw EtcdError.COMPACTED.exception();
      }
      if (revision > ks.currentRevision) {
        throw EtcdError.FUTURE_REVISION.exception();
      }
      rememberSubs(ks, revision);
      ks.compactRevision = revision;
      ks.index.entrySet().removeIf(e -> e.getValue().compact(revision));
      ks.log.compact(revision);
      forgetSubs(ks, revision);
      ks.footprint = measure(ks);
      return ks.currentRevision;
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Deletes the given keys in one revision, DELETE events in key order: how a lease revoke or expiry
   * removes its keys. Answers the header revision (new, or current when nothing was deleted).
   */
  public long deleteKeys(Collection<ByteString> keys) {
    List<ByteString> sorted = new ArrayList<>(keys);
    sorted.sort(KeyRange.ORDER);
    return write(w -> {
      for (ByteString k : sorted) {
        w.delete(KeyRange.single(k));
      }
      return w.headerRevision();
    });
  }

  /** Runs {@code body} as the only writer: other mutations (lease revokes among them) wait. */
  public <T> T atomically(Supplier<T> body) {
    writeLock.lock();
    try {
      return body.get();
    } finally {
      writeLock.unlock();
    }
  }

  /** Notes the sub-revisions of the multi-change revisions a compaction at {@code revision} takes out of the log. */
  private static void rememberSubs(Keyspace ks, long revision) {
    long from = ks.log.firstRevision();
    long rev = -1;
    int sub = 0;
    for (KeyValue kv : ks.log.changes(from, revision, Integer.MAX_VALUE)) {
      sub = kv.modRevision() == rev ? sub + 1 : 0;
      rev = kv.modRevision();
      if (sub > 0) {
        ks.compactedSubs.computeIfAbsent(rev, r -> new java.util.concurrent.ConcurrentHashMap<>()).put(kv.key(), sub);
      }
    }
  }

  /** Drops the sub-revisions of versions no longer retained. */
  private static void forgetSubs(Keyspace ks, long revision) {
    for (var e : ks.compactedSubs.headMap(revision, true).entrySet()) {
      long rev = e.getKey();
      e.getValue().keySet().removeIf(key -> {
        KeyHistory h = ks.index.get(key);
        KeyValue kv = h == null ? null : h.at(rev);
        return kv == null || kv.modRevision() != rev;
      });
      if (e.getValue().isEmpty()) {
        ks.compactedSubs.remove(rev);
      }
    }
  }

  /** Every retained version in etcd's backend order, consistent with one revision. */
  public MvccState exportState() {
    writeLock.lock();
    try {
      Keyspace ks = keyspace;
      // versions older than the log come from the key index in no order: sorted by revision and sub-revision
      List<MvccState.Entry> out = new ArrayList<>();
      List<MvccState.Entry> logged = new ArrayList<>();
      long[] rev = {-1};
      int[] position = {0};
      forEachRetained(ks, kv -> out.add(new MvccState.Entry(kv, subOf(ks, kv, 0))), kv -> {
        position[0] = kv.modRevision() == rev[0] ? position[0] + 1 : 0;
        rev[0] = kv.modRevision();
        logged.add(new MvccState.Entry(kv, subOf(ks, kv, position[0])));
      });
      out.sort(Comparator.comparingLong((MvccState.Entry e) -> e.kv().modRevision()).thenComparingInt(MvccState.Entry::sub));
      out.addAll(logged);
      return new MvccState(ks.currentRevision, ks.compactRevision, out);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Every retained version: those older than the revision log from the key index ({@code older}, in
   * no order), then the log's changes in revision order ({@code logged}).
   */
  private static void forEachRetained(Keyspace ks, Consumer<KeyValue> older, Consumer<KeyValue> logged) {
    long first = ks.log.firstRevision();
    for (KeyHistory h : ks.index.values()) {
      h.forEachVersion(kv -> {
        if (kv.modRevision() < first) {
          older.accept(kv);
        }
      });
    }
    ks.log.changes(first, ks.currentRevision, Integer.MAX_VALUE).forEach(logged);
  }

  private static Footprint measure(Keyspace ks) {
    long[] sum = new long[2];
    Consumer<KeyValue> add = kv -> {
      sum[0]++;
      sum[1] += Footprint.bytesOf(kv);
    };
    forEachRetained(ks, add, add);
    return new Footprint(sum[0], sum[1]);
  }

  private static int subOf(Keyspace ks, KeyValue kv, int otherwise) {
    java.util.Map<ByteString, Integer> subs = ks.compactedSubs.get(kv.modRevision());
    Integer sub = subs == null ? null : subs.get(kv.key());
    return sub != null ? sub : otherwise;
  }

  /**
   * Replaces everything with {@code state} (from {@link #exportState()}), as if the store had lived
   * that history: reads, watches from retained revisions and compaction behave as they did.
   */
  public void importState(MvccState state) {
    Keyspace ks = new Keyspace();
    long first = Math.max(2, state.compactRevision());
    ks.log = new RevisionLog(first);
    java.util.TreeMap<Long, List<KeyValue>> inLog = new java.util.TreeMap<>();
    for (MvccState.Entry e : state.entries()) {
      KeyValue kv = e.kv();
      if (kv.modRevision() > state.currentRevision() || kv.modRevision() < 2) {
        throw new IllegalArgumentException("version outside the revisions of the state: " + kv);
      }
      ks.index.computeIfAbsent(kv.key(), KeyHistory::new).append(kv);
      if (kv.modRevision() >= first) {
        inLog.computeIfAbsent(kv.modRevision(), r -> new ArrayList<>()).add(kv);
      }
      if (e.sub() != 0 && kv.modRevision() <= state.compactRevision()) {
        ks.compactedSubs.computeIfAbsent(kv.modRevision(), r -> new java.util.concurrent.ConcurrentHashMap<>())
            .put(kv.key(), e.sub());
      }
    }
    for (long rev = first; rev <= state.currentRevision(); rev++) {
      ks.log.append(inLog.getOrDefault(rev, List.of()));
    }
    ks.currentRevision = Math.max(1, state.currentRevision());
    ks.compactRevision = state.compactRevision();
    ks.footprint = measure(ks);
    writeLock.lock();
    try {
      keyspace = ks;
    } finally {
      writeLock.unlock();
    }
  }

  /** Back to an empty store at revision 1, history and compaction forgotten. */
  public void reset() {
    writeLock.lock();
    try {
      keyspace = new Keyspace();
    } finally {
      writeLock.unlock();
    }
  }

  private void checkSize(int requestBytes) {
    if (requestBytes > maxRequestBytes) {
      throw EtcdError.REQUEST_TOO_LARGE.exception();
    }
  }

  private interface WriteBody<T> {
    T apply(WriteTxn w);
  }

  private <T> T write(WriteBody<T> body) {
    long committed;
    T result;
    writeLock.lock();
    try {
      Keyspace ks = keyspace;
      WriteTxn w = new WriteTxn(ks, ks.currentRevision, true);
      try {
        result = body.apply(w);
      } catch (RuntimeException | Error e) {
        w.rollback();
        throw e;
      }
      committed = w.commit();
    } finally {
      writeLock.unlock();
    }
    if (committed > 0) {
      for (LongConsumer l : commitListeners) {
        l.accept(committed);
      }
    }
    return result;
  }

  /**
   * The changes of one revision while they are made (etcd's storeTxnWrite): every write gets
   * revision {@code begin + 1}; reads inside see earlier writes of the same txn. A read-only one
   * serves read-only txns from a snapshot.
   */
  private final class WriteTxn {
    private final Keyspace ks;
    private final long begin;
    private final boolean writable;
    private final List<KeyValue> changes = new ArrayList<>();
    private final List<KeyHistory> touched = new ArrayList<>();

    WriteTxn(Keyspace ks, long begin, boolean writable) {
      this.ks = ks;
      this.begin = begin;
      this.writable = writable;
    }

    /** What reads inside this txn see: the new revision once something was written. */
    long readRevision() {
      return changes.isEmpty() ? begin : begin + 1;
    }

    long headerRevision() {
      return readRevision();
    }

    List<KeyValue> read(KeyRange keys) {
      return collect(ks, keys, readRevision(), Integer.MAX_VALUE, new long[1]);
    }

    Result.Put applyPut(Op.Put p) {
      KeyValue prev = live(p.key());
      if ((p.ignoreValue() || p.ignoreLease()) && prev == null) {
        throw EtcdError.KEY_NOT_FOUND.exception();
      }
      ByteString value = p.ignoreValue() ? prev.value() : p.value();
      long lease = p.ignoreLease() ? prev.lease() : p.lease();
      put(p.key(), value, lease, prev);
      return new Result.Put(p.prevKv() ? prev : null, begin + 1);
    }

    Result.DeleteRange applyDelete(Op.DeleteRange d) {
      List<KeyValue> deleted = delete(d.keys());
      long rev = deleted.isEmpty() && changes.isEmpty() ? begin : begin + 1;
      return new Result.DeleteRange(deleted.size(), d.prevKv() ? deleted : List.of(), rev);
    }

    Result.Txn applyTxnTopLevel(Op.Txn t) {
      // compares of every level on the chosen path see the state before any op runs
      List<Boolean> path = new ArrayList<>();
      choosePath(t, path);
      checkPath(t, path, 0, true);
      checkPath(t, path, 0, false);
      Result.Txn nested = applyTxn(t, path, new int[] {0});
      return new Result.Txn(nested.succeeded(), nested.responses(), headerRevision());
    }

    private void choosePath(Op.Txn t, List<Boolean> path) {
      boolean ok = true;
      for (Comparison c : t.compare()) {
        if (!c.holdsFor(read(KeyRange.of(c.key(), c.rangeEnd())))) {
          ok = false;
          break;
        }
      }
      path.add(ok);
      for (Op op : ok ? t.success() : t.failure()) {
        if (op instanceof Op.Txn nested) {
          choosePath(nested, path);
        }
      }
    }

    /**
     * etcd checks the chosen ops before running any: first every put (key exists for ignore_*,
     * lease exists), then every range (revision not future nor compacted). Returns the next path index.
     */
    private int checkPath(Op.Txn t, List<Boolean> path, int at, boolean puts) {
      boolean ok = path.get(at++);
      for (Op op : ok ? t.success() : t.failure()) {
        if (op instanceof Op.Txn nested) {
          at = checkPath(nested, path, at, puts);
        } else if (puts && op instanceof Op.Put p) {
          if ((p.ignoreValue() || p.ignoreLease()) && live(p.key()) == null) {
            throw EtcdError.KEY_NOT_FOUND.exception();
          }
          if (p.lease() != 0 && !leases.exists(p.lease())) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
          }
        } else if (!puts && op instanceof Op.Range r && r.revision() != 0) {
          if (r.revision() > begin) {
            throw EtcdError.FUTURE_REVISION.exception();
          }
          if (r.revision() < ks.compactRevision) {
            throw EtcdError.COMPACTED.exception();
          }
        }
      }
      return at;
    }

    private Result.Txn applyTxn(Op.Txn t, List<Boolean> path, int[] at) {
      boolean ok = path.get(at[0]++);
      List<Result> responses = new ArrayList<>();
      for (Op op : ok ? t.success() : t.failure()) {
        if (op instanceof Op.Range r) {
          responses.add(range(ks, r, readRevision()));
        } else if (op instanceof Op.Put p) {
          responses.add(applyPut(p));
        } else if (op instanceof Op.DeleteRange d) {
          responses.add(applyDelete(d));
        } else if (op instanceof Op.Txn nested) {
          responses.add(applyTxn(nested, path, at));
        } else {
          throw EtcdError.KEY_NOT_FOUND.exception();
        }
      }
      return new Result.Txn(ok, responses, 0);
    }

    private KeyValue live(ByteString key) {
      KeyHistory h = ks.index.get(key);
      return h == null ? null : h.live();
    }

    private void put(ByteString key, ByteString value, long lease, KeyValue prev) {
      requireWritable();
      long rev = begin + 1;
      KeyHistory h = ks.index.computeIfAbsent(key, KeyHistory::new);
      KeyValue kv = prev == null
          ? new KeyValue(h.key(), rev, rev, 1, value, lease)
          : new KeyValue(h.key(), prev.createRevision(), rev, prev.version() + 1, value, lease);
      record(h, kv);
      if (prev != null && prev.lease() != 0) {
        leases.detach(prev.lease(), h.key());
      }
      if (lease != 0) {
        leases.attach(lease, h.key());
      }
    }

    /** Deletes the live keys in the range; answers their last versions. */
    private List<KeyValue> delete(KeyRange keys) {
      List<KeyValue> live = read(keys);
      if (live.isEmpty()) {
        return live;
      }
      requireWritable();
      for (KeyValue kv : live) {
        KeyHistory h = ks.index.get(kv.key());
        record(h, KeyValue.tombstone(h.key(), begin + 1));
        if (kv.lease() != 0) {
          leases.detach(kv.lease(), h.key());
        }
      }
      return live;
    }

    private void record(KeyHistory h, KeyValue kv) {
      h.append(kv);
      touched.add(h);
      changes.add(kv);
    }

    private void requireWritable() {
      if (!writable) {
        throw new IllegalStateException("write in a read-only txn");
      }
    }

    /** Publishes the revision; answers it, or 0 when nothing changed. */
    long commit() {
      if (changes.isEmpty()) {
        return 0;
      }
      // by history when each key changed once; etcd 3.4 lets one txn put and then delete the same key,
      // and a history holds only the last change at a revision, so then the changes themselves
      if (touchesEachKeyOnce()) {
        ks.log.appendHistories(touched);
      } else {
        ks.log.append(changes);
      }
      ks.footprint = ks.footprint.plus(changes);
      ks.currentRevision = begin + 1;
      return begin + 1;
    }

    private boolean touchesEachKeyOnce() {
      if (touched.size() == 1) {
        return true;
      }
      java.util.Set<KeyHistory> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      for (KeyHistory h : touched) {
        if (!seen.add(h)) {
          return false;
        }
      }
      return true;
    }

    /** Takes back what a failed write did, so no reader ever sees it. */
    void rollback() {
      for (KeyHistory h : touched) {
        h.truncateAfter(begin);
        if (h.isEmpty()) {
          ks.index.remove(h.key(), h);
        }
      }
    }
  }
}
