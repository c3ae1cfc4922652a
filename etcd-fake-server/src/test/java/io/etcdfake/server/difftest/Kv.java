package io.etcdfake.server.difftest;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;

/** Short builders of KV requests for scenarios; keys and values are UTF-8 strings. */
public final class Kv {
  /** range_end "\0": every key from the given one on. */
  public static final String FROM_KEY = "\0";

  private Kv() {}

  public static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  public static PutRequest.Builder put(String key, String value) {
    return PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value));
  }

  public static RangeRequest.Builder get(String key) {
    return RangeRequest.newBuilder().setKey(bytes(key));
  }

  public static RangeRequest.Builder range(String key, String end) {
    return get(key).setRangeEnd(bytes(end));
  }

  /** Every key with the prefix, as etcd clients ask for it (last byte + 1). */
  public static RangeRequest.Builder prefix(String prefix) {
    return get(prefix).setRangeEnd(prefixEnd(prefix));
  }

  /** Every key: key "\0", range_end "\0". */
  public static RangeRequest.Builder all() {
    return range(FROM_KEY, FROM_KEY);
  }

  public static DeleteRangeRequest.Builder delete(String key) {
    return DeleteRangeRequest.newBuilder().setKey(bytes(key));
  }

  public static DeleteRangeRequest.Builder delete(String key, String end) {
    return delete(key).setRangeEnd(bytes(end));
  }

  public static DeleteRangeRequest.Builder deletePrefix(String prefix) {
    return delete(prefix).setRangeEnd(prefixEnd(prefix));
  }

  public static ByteString prefixEnd(String prefix) {
    byte[] end = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    end[end.length - 1]++;
    return ByteString.copyFrom(end);
  }

  public static TxnRequest.Builder txn() {
    return TxnRequest.newBuilder();
  }

  public static Compare.Builder compare(String key, Compare.CompareResult result) {
    return Compare.newBuilder().setKey(bytes(key)).setResult(result);
  }

  public static Compare.Builder version(String key, Compare.CompareResult result, long version) {
    return compare(key, result).setTarget(Compare.CompareTarget.VERSION).setVersion(version);
  }

  public static Compare.Builder value(String key, Compare.CompareResult result, String value) {
    return compare(key, result).setTarget(Compare.CompareTarget.VALUE).setValue(bytes(value));
  }

  /** A CREATE compare; the revision is relative, as every revision in a scenario. */
  public static Compare.Builder created(String key, Compare.CompareResult result, long revision) {
    return compare(key, result).setTarget(Compare.CompareTarget.CREATE).setCreateRevision(revision);
  }

  /** A MOD compare; the revision is relative. */
  public static Compare.Builder modified(String key, Compare.CompareResult result, long revision) {
    return compare(key, result).setTarget(Compare.CompareTarget.MOD).setModRevision(revision);
  }

  public static RequestOp op(RangeRequest.Builder r) {
    return RequestOp.newBuilder().setRequestRange(r).build();
  }

  public static RequestOp op(PutRequest.Builder p) {
    return RequestOp.newBuilder().setRequestPut(p).build();
  }

  public static RequestOp op(DeleteRangeRequest.Builder d) {
    return RequestOp.newBuilder().setRequestDeleteRange(d).build();
  }

  public static RequestOp op(TxnRequest.Builder t) {
    return RequestOp.newBuilder().setRequestTxn(t).build();
  }
}
