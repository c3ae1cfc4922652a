package io.etcdfake.server.maintenance;

import com.google.protobuf.ByteString;
import io.etcdfake.server.lease.Lessor;
import io.etcdfake.server.mvcc.KeyValue;
import io.etcdfake.server.mvcc.MvccState;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The fake's snapshot file (not bbolt; documented in docs/snapshot-format.md): a magic line, the
 * store's revisions, every retained version in backend order, the raised alarms and the leases, all big-endian,
 * zeros up to a multiple of 512 bytes (etcdctl checks that a database is made of whole 512-byte
 * blocks), then the SHA-256 of everything before it, which is also how etcd ends its snapshot stream.
 */
public final class SnapshotFormat {
  static final byte[] MAGIC = "etcd-fake-snapshot\n".getBytes(StandardCharsets.US_ASCII);
  /** 2: leases added after the alarms. */
  static final int VERSION = 2;
  static final int SHA_BYTES = 32;
  static final int BLOCK = 512;

  /** What a snapshot holds. */
  public record Contents(MvccState state, List<Alarm> alarms, List<Lessor.Grant> leases) {}

  private SnapshotFormat() {}

  /** The snapshot's bytes, its SHA-256 included. */
  public static byte[] write(Contents contents) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.write(MAGIC);
      out.writeInt(VERSION);
      MvccState state = contents.state();
      out.writeLong(state.currentRevision());
      out.writeLong(state.compactRevision());
      out.writeInt(state.entries().size());
      for (MvccState.Entry e : state.entries()) {
        KeyValue kv = e.kv();
        out.writeInt(e.sub());
        writeBytes(out, kv.key());
        out.writeLong(kv.createRevision());
        out.writeLong(kv.modRevision());
        out.writeLong(kv.version());
        writeBytes(out, kv.value());
        out.writeLong(kv.lease());
      }
      out.writeInt(contents.alarms().size());
      for (Alarm a : contents.alarms()) {
        out.writeLong(a.memberId());
        out.writeInt(a.code());
      }
      out.writeInt(contents.leases().size());
      for (Lessor.Grant l : contents.leases()) {
        out.writeLong(l.id());
        out.writeLong(l.ttl());
      }
      out.flush();
      bytes.write(new byte[(BLOCK - bytes.size() % BLOCK) % BLOCK]);
      bytes.write(sha256(bytes.toByteArray(), bytes.size()));
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory cannot fail", e);
    }
  }

  /** Reads a snapshot, checking its SHA-256 when present (a snapshot may be saved without it). */
  public static Contents read(InputStream in) throws IOException {
    byte[] all = in.readAllBytes();
    if (all.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
      throw new IOException("not an etcd-fake snapshot (a real etcd's bbolt snapshot cannot be restored)");
    }
    DataInputStream data = new DataInputStream(new java.io.ByteArrayInputStream(all));
    data.skipNBytes(MAGIC.length);
    int version = data.readInt();
    if (version != VERSION) {
      throw new IOException("unknown etcd-fake snapshot format version " + version);
    }
    long current = data.readLong();
    long compact = data.readLong();
    int count = data.readInt();
    List<MvccState.Entry> entries = new ArrayList<>(Math.min(count, 1 << 16));
    for (int i = 0; i < count; i++) {
      int sub = data.readInt();
      ByteString key = readBytes(data);
      long create = data.readLong();
      long mod = data.readLong();
      long ver = data.readLong();
      ByteString value = readBytes(data);
      long lease = data.readLong();
      entries.add(new MvccState.Entry(new KeyValue(key, create, mod, ver, value, lease), sub));
    }
    int alarmCount = data.readInt();
    List<Alarm> alarms = new ArrayList<>();
    for (int i = 0; i < alarmCount; i++) {
      long member = data.readLong();
      alarms.add(new Alarm(member, data.readInt()));
    }
    int leaseCount = data.readInt();
    List<Lessor.Grant> leases = new ArrayList<>(Math.min(Math.max(leaseCount, 0), 1 << 16));
    for (int i = 0; i < leaseCount; i++) {
      leases.add(new Lessor.Grant(data.readLong(), data.readLong()));
    }
    int end = all.length - data.available();
    int padded = all.length % BLOCK == SHA_BYTES ? all.length - SHA_BYTES : all.length;
    if (padded % BLOCK != 0 || padded < end) {
      throw new IOException("damaged snapshot: " + all.length + " bytes are not whole 512-byte blocks and a SHA-256");
    }
    for (int i = end; i < padded; i++) {
      if (all[i] != 0) {
        throw new IOException("damaged snapshot: unexpected bytes after the contents");
      }
    }
    if (padded < all.length && !Arrays.equals(sha256(all, padded), Arrays.copyOfRange(all, padded, all.length))) {
      throw new IOException("snapshot SHA-256 mismatch: the file is damaged");
    }
    return new Contents(new MvccState(current, compact, entries), alarms, leases);
  }

  private static void writeBytes(DataOutputStream out, ByteString b) throws IOException {
    out.writeInt(b.size());
    b.writeTo(out);
  }

  private static ByteString readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("damaged snapshot: a length of " + n + " bytes");
    }
    return ByteString.copyFrom(in.readNBytes(n));
  }

  private static byte[] sha256(byte[] data, int length) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(data, 0, length);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
