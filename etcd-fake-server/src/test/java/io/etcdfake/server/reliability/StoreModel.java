package io.etcdfake.server.reliability;

import io.etcdfake.server.errors.EtcdError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * etcd's keyspace as the plainest sequential model, for {@link MvccStoreLincheckTest}: one whole
 * copy of the key map per revision, a compact revision, and each operation written from etcd's
 * documented semantics without any of the store's code. Its answers are formatted as the test's.
 */
public class StoreModel {
  private record Kv(String key, String value, long create, long mod, long version) {
    String show() {
      return key + "=" + value + "/c" + create + "/m" + mod + "/v" + version;
    }
  }

  /** states.get(r) is the keyspace at revision r; revision 1 is the empty start. */
  private final List<TreeMap<String, Kv>> states = new ArrayList<>(List.of(new TreeMap<>(), new TreeMap<>()));
  private long compacted = -1;

  private long current() {
    return states.size() - 1;
  }

  private TreeMap<String, Kv> now() {
    return states.get((int) current());
  }

  private static String key(int k) {
    return "k" + k;
  }

  private static String show(Kv kv) {
    return kv == null ? "-" : kv.show();
  }

  private String write(String key, String value) {
    TreeMap<String, Kv> next = new TreeMap<>(now());
    Kv prev = next.get(key);
    long rev = current() + 1;
    next.put(key, new Kv(key, value, prev == null ? rev : prev.create(), rev, prev == null ? 1 : prev.version() + 1));
    states.add(next);
    return show(prev);
  }

  public String put(int key, int value) {
    String prev = write(key(key), "v" + value);
    return "put rev=" + current() + " prev=" + prev;
  }

  public String get(int key) {
    return range(key(key), 0);
  }

  public String getAt(int key, int revision) {
    return range(key(key), revision);
  }

  public String rangeAll() {
    return range(null, 0);
  }

  private String range(String key, long revision) {
    if (revision > current()) {
      return "error " + EtcdError.FUTURE_REVISION.message();
    }
    if (revision > 0 && revision < compacted) {
      return "error " + EtcdError.COMPACTED.message();
    }
    Map<String, Kv> at = states.get((int) (revision <= 0 ? current() : revision));
    List<String> kvs = new ArrayList<>();
    for (Kv kv : at.values()) {
      if (key == null || kv.key().equals(key)) {
        kvs.add(kv.show());
      }
    }
    return "range rev=" + current() + " count=" + kvs.size() + " kvs=" + kvs;
  }

  public String delete(int key) {
    Kv prev = now().get(key(key));
    if (prev == null) {
      return "delete rev=" + current() + " deleted=0 prev=[]";
    }
    TreeMap<String, Kv> next = new TreeMap<>(now());
    next.remove(key(key));
    states.add(next);
    return "delete rev=" + current() + " deleted=1 prev=[" + prev.show() + "]";
  }

  public String cas(int key, int modRevision, int value) {
    Kv kv = now().get(key(key));
    if ((kv == null ? 0 : kv.mod()) == modRevision) {
      write(key(key), "v" + value);
      return "cas rev=" + current() + " ok=true";
    }
    return "cas rev=" + current() + " ok=false kvs=" + (kv == null ? "[]" : "[" + kv.show() + "]");
  }

  public String compact(int revision) {
    if (revision <= compacted) {
      return "error " + EtcdError.COMPACTED.message();
    }
    if (revision > current()) {
      return "error " + EtcdError.FUTURE_REVISION.message();
    }
    compacted = revision;
    return "compact rev=" + current();
  }

  public long revision() {
    return current();
  }
}
