package io.etcdfake.server;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who this one-member cluster says it is in every response header. The ids are derived as etcd
 * derives them (SHA-1 of the sorted peer URLs and the cluster token for the member, SHA-1 of the
 * member ids for the cluster), so a fake named and addressed like an etcd reports the same ids.
 */
public record MemberIdentity(String name, long clusterId, long memberId, long raftTerm, List<URI> peerUrls) {
  public static final String DEFAULT_NAME = "default";
  public static final URI DEFAULT_PEER_URL = URI.create("http://localhost:2380");
  public static final String DEFAULT_CLUSTER_TOKEN = "etcd-cluster";
  /** A fresh single-member etcd has elected itself once: term 2. */
  public static final long DEFAULT_RAFT_TERM = 2;

  public MemberIdentity {
    peerUrls = List.copyOf(peerUrls);
  }

  public static MemberIdentity defaults() {
    return derive(DEFAULT_NAME, List.of(DEFAULT_PEER_URL), DEFAULT_CLUSTER_TOKEN);
  }

  /** The ids a new etcd cluster of this one member would have. */
  public static MemberIdentity derive(String name, List<URI> peerUrls, String clusterToken) {
    List<String> urls = new ArrayList<>();
    for (URI u : peerUrls) {
      urls.add(u.toString());
    }
    urls.sort(null);
    long memberId = first8(sha1((String.join("", urls) + clusterToken).getBytes(StandardCharsets.UTF_8)));
    long clusterId = first8(sha1(ByteBuffer.allocate(8).putLong(memberId).array()));
    return new MemberIdentity(name, clusterId, memberId, DEFAULT_RAFT_TERM, peerUrls);
  }

  private static byte[] sha1(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every JDK", e);
    }
  }

  private static long first8(byte[] hash) {
    return ByteBuffer.wrap(hash, 0, 8).getLong();
  }
}
