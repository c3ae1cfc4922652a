package io.etcdfake.server.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etcdfake.server.MemberIdentity;
import io.etcdfake.server.errors.EtcdException;
import io.etcdfake.server.lease.Lessor;
import io.etcdfake.server.lease.ManualClock;
import io.etcdfake.server.membership.Membership;
import io.etcdfake.server.mvcc.MvccStore;
import io.etcdfake.server.mvcc.Op;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * etcd's --quota-backend-bytes rules (etcdserver's NewBackendQuota): 0 is the 2 GiB default, a
 * negative value disables the quota. Too large to reach through gRPC in a test; the gRPC path with a
 * small quota is in MaintenanceClusterTest and HeapFloodTest.
 */
class QuotaTest {
  private static final long FRESH_DB_SIZE = 5 * 4096;
  private final MvccStore store = new MvccStore();
  private final Alarms alarms = new Alarms(store);

  private Maintenance withQuota(long bytes) {
    return new Maintenance(store, new Lessor(store, new ManualClock(), 1), alarms,
        new Membership(MemberIdentity.defaults(), List::of), MemberIdentity.defaults(), Maintenance.DEFAULT_VERSION, bytes);
  }

  @Test
  void zeroIsEtcdsDefaultOfTwoGibibytes() {
    Maintenance m = withQuota(0);
    assertThat(m.quotaBytes()).isEqualTo(2L << 30);
    m.checkQuota((2L << 30) - FRESH_DB_SIZE - 1);
    assertThat(alarms.all()).isEmpty();
    assertThatThrownBy(() -> m.checkQuota((2L << 30) - FRESH_DB_SIZE))
        .isInstanceOf(EtcdException.class).hasMessage("etcdserver: mvcc: database space exceeded");
    assertThat(alarms.get(Alarm.Type.NOSPACE)).hasSize(1);
  }

  @Test
  void aNegativeQuotaDisablesIt() {
    Maintenance m = withQuota(-1);
    m.checkQuota(Long.MAX_VALUE / 2);
    assertThat(alarms.all()).isEmpty();
  }

  @Test
  void theQuotaCountsWhatTheStoreRetainsAndTheFileUntilDefragmented() {
    Maintenance m = withQuota(64 * 1024);
    ByteString value = ByteString.copyFrom(new byte[4000]);
    for (int i = 0; i < 10; i++) {
      store.put(Op.Put.of(ByteString.copyFromUtf8("k"), value), 0); // ten versions of one key
    }
    assertThat(m.status().dbSizeInUse()).isEqualTo(4 * 4096 + 10 * 4096);
    assertThatThrownBy(() -> m.checkQuota(30_000)).isInstanceOf(EtcdException.class);
    store.compact(store.currentRevision());
    assertThat(m.status().dbSizeInUse()).isEqualTo(4 * 4096 + 4096);
    // as etcd, the quota weighs the file, which keeps its size until a defragmentation
    assertThatThrownBy(() -> m.checkQuota(30_000)).isInstanceOf(EtcdException.class);
    m.defragment();
    m.checkQuota(30_000);
  }
}
