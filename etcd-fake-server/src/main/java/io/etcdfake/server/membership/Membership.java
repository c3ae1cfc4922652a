package io.etcdfake.server.membership;

import io.etcdfake.server.MemberIdentity;
import io.etcdfake.server.errors.EtcdError;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The member list of a one-member cluster, answering changes as a lone etcd with etcd's default
 * --strict-reconfig-check does: learners can be added (one at most) and removed but never promoted,
 * as they never catch up; removing the only started member is refused; a voting member can be
 * added (a lone etcd allows it, then waits for the new member forever: the fake keeps serving).
 */
public final class Membership {
  /** etcd's limit on learners in a cluster. */
  private static final int MAX_LEARNERS = 1;

  private final MemberIdentity self;
  private final Supplier<List<URI>> clientUrls;
  private final Map<Long, Member> others = new TreeMap<>(Long::compareUnsigned);
  private List<URI> selfPeerUrls;

  public Membership(MemberIdentity self, Supplier<List<URI>> clientUrls) {
    this.self = self;
    this.clientUrls = clientUrls;
    this.selfPeerUrls = self.peerUrls();
  }

  /** Every member, ordered by id as etcd orders them. */
  public synchronized List<Member> list() {
    List<Member> all = new ArrayList<>(others.values());
    all.add(new Member(self.memberId(), self.name(), selfPeerUrls, clientUrls.get(), false));
    all.sort(Comparator.comparing(Member::id, Long::compareUnsigned));
    return all;
  }

  public synchronized Member get(long id) {
    return list().stream().filter(m -> m.id() == id).findFirst().orElse(null);
  }

  /** etcd's MemberAdd; the new member's id mixes its peer URLs with the time, as etcd's does. */
  public synchronized Member add(List<String> peerUrls, boolean learner) {
    List<URI> urls = parse(peerUrls);
    // the id mixes in the time in seconds: the same URLs twice within a second give the same id
    long id = newId(urls, System.currentTimeMillis() / 1000);
    if (id == self.memberId() || others.containsKey(id)) {
      throw EtcdError.MEMBER_EXISTS.exception();
    }
    requireUnused(urls, 0);
    if (learner && others.values().stream().filter(Member::learner).count() >= MAX_LEARNERS) {
      throw EtcdError.TOO_MANY_LEARNERS.exception();
    }
    Member m = new Member(id, "", urls, List.of(), learner);
    others.put(id, m);
    return m;
  }

  /** Back to the one member, with its configured peer URLs. */
  public synchronized void reset() {
    others.clear();
    selfPeerUrls = self.peerUrls();
  }

  /** etcd's MemberRemove: the only started voting member cannot go. */
  public synchronized void remove(long id) {
    if (id == self.memberId()) {
      throw EtcdError.NOT_ENOUGH_STARTED_MEMBERS.exception();
    }
    if (others.remove(id) == null) {
      throw EtcdError.MEMBER_NOT_FOUND.exception();
    }
  }

  /** etcd's MemberUpdate: new peer URLs for a member. */
  public synchronized void update(long id, List<String> peerUrls) {
    List<URI> urls = parse(peerUrls);
    if (id != self.memberId() && !others.containsKey(id)) {
      throw EtcdError.MEMBER_NOT_FOUND.exception();
    }
    requireUnused(urls, id);
    if (id == self.memberId()) {
      selfPeerUrls = urls;
    } else {
      Member m = others.get(id);
      others.put(id, new Member(id, m.name(), urls, m.clientUrls(), m.learner()));
    }
  }

  /** etcd's MemberPromote: a learner here never catches up with the leader, so it never succeeds. */
  public synchronized void promote(long id) {
    Member m = id == self.memberId() ? get(id) : others.get(id);
    if (m == null) {
      throw EtcdError.MEMBER_NOT_FOUND.exception();
    }
    throw m.learner() ? EtcdError.LEARNER_NOT_READY.exception() : EtcdError.MEMBER_NOT_LEARNER.exception();
  }

  /** etcd's URL rules for members: http(s) or unix(s), a host with a port, nothing else. */
  private static List<URI> parse(List<String> urls) {
    List<URI> out = new ArrayList<>();
    for (String s : urls) {
      URI u;
      try {
        u = new URI(s);
      } catch (java.net.URISyntaxException e) {
        throw EtcdError.MEMBER_BAD_URLS.exception();
      }
      String scheme = u.getScheme();
      boolean knownScheme = scheme != null && List.of("http", "https", "unix", "unixs").contains(scheme);
      boolean bare = (u.getRawPath() == null || u.getRawPath().isEmpty()) && u.getRawQuery() == null
          && u.getRawFragment() == null;
      if (!knownScheme || u.getHost() == null || u.getPort() < 0 || !bare) {
        throw EtcdError.MEMBER_BAD_URLS.exception();
      }
      out.add(u);
    }
    return out;
  }

  private void requireUnused(List<URI> urls, long exceptId) {
    for (Member m : list()) {
      if (m.id() != exceptId && m.peerUrls().stream().anyMatch(urls::contains)) {
        throw EtcdError.PEER_URL_EXISTS.exception();
      }
    }
  }

  private static long newId(List<URI> peerUrls, long unixSeconds) {
    List<String> sorted = new ArrayList<>(peerUrls.stream().map(URI::toString).toList());
    sorted.sort(null);
    byte[] data = (String.join("", sorted) + unixSeconds).getBytes(StandardCharsets.UTF_8);
    try {
      return ByteBuffer.wrap(MessageDigest.getInstance("SHA-1").digest(data), 0, 8).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every JDK", e);
    }
  }
}
