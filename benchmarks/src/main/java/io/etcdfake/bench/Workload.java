package io.etcdfake.bench;

/** What the load driver can send; each is one operation as a client sees it. */
public enum Workload {
  PUT("put", "one Put of a random key among 10,000"),
  RANGE("range", "one Range (get) of a random key among 1,000"),
  TXN("txn CAS", "one Txn: if mod_revision(key) = last then put, per-slot key"),
  WATCH("watch fan-out", "W watchers on one prefix, several per Watch stream (one stream per client connection), "
      + "one writer putting at a fixed rate; latency = put sent → event received by each watcher"),
  LEASE("lease", "LeaseGrant + one LeaseKeepAlive + LeaseRevoke"),
  LOCK("lock", "Lock + Unlock of one name, every slot contending");

  public final String label;
  public final String description;

  Workload(String label, String description) {
    this.label = label;
    this.description = description;
  }
}
