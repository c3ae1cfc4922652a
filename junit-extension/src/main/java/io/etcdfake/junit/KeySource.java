package io.etcdfake.junit;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.GetOption;
import io.etcdfake.server.EtcdFakeServer;
import io.etcdfake.server.lease.Lessor;
import io.etcdfake.server.mvcc.KeyRange;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Where assertions read keys from: the fake's store, or any etcd through a client. */
abstract class KeySource {
  /** The live key, or null. */
  abstract KeyValue get(String key);

  /** Up to {@code limit} live keys from {@code prefix} on, in key order ("" = all). */
  abstract List<String> keys(String prefix, int limit);

  abstract long count(String prefix);

  abstract long revision();

  abstract String describe();

  /** A lease as LeaseTimeToLive tells it; null when there is no such lease. */
  abstract LeaseState lease(long id);

  /** How many leases exist, or -1 where that cannot be read (through a client). */
  abstract int leaseCount();

  /** How many watchers are open, or -1 where that cannot be read (only the fake knows). */
  abstract int watcherCount();

  /** A lease: its granted and remaining TTL in seconds, and its keys in key order. */
  record LeaseState(long id, long grantedTtl, long remainingTtl, List<String> keys) {}

  static KeySource of(EtcdFakeServer server) {
    return new KeySource() {
      @Override
      KeyValue get(String key) {
        io.etcdfake.server.mvcc.KeyValue kv = server.store().get(ByteString.copyFromUtf8(key), server.store().currentRevision());
        return kv == null ? null : toJetcd(kv);
      }

      @Override
      List<String> keys(String prefix, int limit) {
        List<String> out = new ArrayList<>();
        for (io.etcdfake.server.mvcc.KeyValue kv : server.store().snapshot(range(prefix))) {
          if (out.size() == limit) {
            break;
          }
          out.add(kv.key().toStringUtf8());
        }
        return out;
      }

      @Override
      long count(String prefix) {
        return server.store().snapshot(range(prefix)).size();
      }

      @Override
      long revision() {
        return server.store().currentRevision();
      }

      @Override
      String describe() {
        return "etcd-fake at " + server.clientEndpoints();
      }

      @Override
      LeaseState lease(long id) {
        Lessor.TimeToLive t = server.lessor().timeToLive(id);
        if (t.ttl() == -1) {
          return null;
        }
        List<String> keys = new ArrayList<>();
        t.keys().forEach(k -> keys.add(k.toStringUtf8()));
        return new LeaseState(id, t.grantedTtl(), t.ttl(), keys);
      }

      @Override
      int leaseCount() {
        return server.lessor().leases().size();
      }

      @Override
      int watcherCount() {
        return server.watchHub().watcherCount();
      }
    };
  }

  static KeySource of(Client client) {
    return new KeySource() {
      @Override
      KeyValue get(String key) {
        List<KeyValue> kvs = await(client.getKVClient().get(EtcdSeed.bytes(key))).getKvs();
        return kvs.isEmpty() ? null : kvs.get(0);
      }

      @Override
      List<String> keys(String prefix, int limit) {
        GetOption.Builder o = GetOption.builder().withKeysOnly(true).withLimit(limit);
        GetResponse r = await(client.getKVClient().get(start(prefix), o.withRange(end(prefix)).build()));
        List<String> out = new ArrayList<>();
        for (KeyValue kv : r.getKvs()) {
          out.add(kv.getKey().toString());
        }
        return out;
      }

      @Override
      long count(String prefix) {
        GetOption o = GetOption.builder().withCountOnly(true).withRange(end(prefix)).build();
        return await(client.getKVClient().get(start(prefix), o)).getCount();
      }

      @Override
      long revision() {
        return await(client.getKVClient().get(EtcdSeed.bytes("\0"))).getHeader().getRevision();
      }

      @Override
      String describe() {
        return "etcd";
      }

      @Override
      LeaseState lease(long id) {
        LeaseTimeToLiveResponse t =
            await(client.getLeaseClient().timeToLive(id, LeaseOption.builder().withAttachedKeys().build()));
        if (t.getTTL() == -1) {
          return null;
        }
        List<String> keys = new ArrayList<>();
        t.getKeys().forEach(k -> keys.add(k.toString()));
        keys.sort(null);
        return new LeaseState(id, t.getGrantedTTL(), t.getTTL(), keys);
      }

      @Override
      int leaseCount() {
        return -1;
      }

      @Override
      int watcherCount() {
        return -1;
      }
    };
  }

  private static final byte[] ZERO = {0};

  private static ByteSequence start(String prefix) {
    return prefix.isEmpty() ? ByteSequence.from(ZERO) : EtcdSeed.bytes(prefix);
  }

  /** The range_end naming every key with this prefix, as etcd's clientv3.GetPrefixRangeEnd. */
  private static ByteSequence end(String prefix) {
    byte[] p = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int i = p.length - 1; i >= 0; i--) {
      if (p[i] != (byte) 0xff) {
        byte[] end = java.util.Arrays.copyOf(p, i + 1);
        end[i]++;
        return ByteSequence.from(end);
      }
    }
    return ByteSequence.from(ZERO);
  }

  private static KeyRange range(String prefix) {
    return KeyRange.of(ByteString.copyFrom(start(prefix).getBytes()), ByteString.copyFrom(end(prefix).getBytes()));
  }

  private static KeyValue toJetcd(io.etcdfake.server.mvcc.KeyValue kv) {
    io.etcd.jetcd.api.KeyValue proto = io.etcd.jetcd.api.KeyValue.newBuilder()
        .setKey(kv.key())
        .setValue(kv.value())
        .setCreateRevision(kv.createRevision())
        .setModRevision(kv.modRevision())
        .setVersion(kv.version())
        .setLease(kv.lease())
        .build();
    return new KeyValue(proto, ByteSequence.EMPTY);
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("reading etcd for an assertion failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading etcd", e);
    }
  }
}
