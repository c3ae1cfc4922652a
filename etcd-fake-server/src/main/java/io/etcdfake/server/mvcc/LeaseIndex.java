package io.etcdfake.server.mvcc;

import com.google.protobuf.ByteString;

/**
 * What the store needs of the lessor: whether a lease exists, and to keep each lease's key set in
 * step with puts and deletes. Called by the store's writer with the write lock held.
 */
public interface LeaseIndex {
  boolean exists(long leaseId);

  void attach(long leaseId, ByteString key);

  void detach(long leaseId, ByteString key);

  /** For a store without leases: every non-zero lease is unknown. */
  LeaseIndex NONE =
      new LeaseIndex() {
        @Override
        public boolean exists(long leaseId) {
          return false;
        }

        @Override
        public void attach(long leaseId, ByteString key) {}

        @Override
        public void detach(long leaseId, ByteString key) {}
      };
}
