package io.etcdfake.junit;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** The switch to a real etcd: system property {@code etcd.endpoints}, else env {@code ETCD_ENDPOINTS}. */
final class RealEtcd {
  private RealEtcd() {}

  /** The real etcd's endpoints, or empty when tests run against the fake. */
  static List<URI> endpoints() {
    String spec = System.getProperty(EtcdFakeExtension.ENDPOINTS_PROPERTY);
    if (spec == null || spec.isBlank()) {
      spec = System.getenv(EtcdFakeExtension.ENDPOINTS_ENV);
    }
    if (spec == null || spec.isBlank()) {
      return List.of();
    }
    List<URI> out = new ArrayList<>();
    for (String s : spec.split(",")) {
      if (!s.isBlank()) {
        out.add(URI.create(s.trim()));
      }
    }
    return List.copyOf(out);
  }

  static String skipReason(String what) {
    return what + " needs etcd-fake's test powers; skipped while running against the real etcd at "
        + endpoints() + " (" + EtcdFakeExtension.ENDPOINTS_PROPERTY + ")";
  }
}
