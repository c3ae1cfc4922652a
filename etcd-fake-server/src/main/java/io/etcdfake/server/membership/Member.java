package io.etcdfake.server.membership;

import java.net.URI;
import java.util.List;

/**
 * One member of the cluster as etcd's MemberList reports it. A member added but never started has
 * no name and no client URLs.
 */
public record Member(long id, String name, List<URI> peerUrls, List<URI> clientUrls, boolean learner) {
  public Member {
    peerUrls = List.copyOf(peerUrls);
    clientUrls = List.copyOf(clientUrls);
  }

  public boolean started() {
    return !name.isEmpty();
  }
}
