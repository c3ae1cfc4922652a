package io.etcdfake.server.auth;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * etcd's "simple" tokens: 16 random letters, a dot and a sequence number (etcd uses the raft index of
 * the Authenticate entry), valid until unused for the TTL (etcd's --auth-token-ttl, default 300 s) or
 * until the user is deleted or changes password, and all dropped when auth is disabled.
 * Not thread-safe: {@link AuthStore} serializes access.
 */
final class SimpleTokens {
  private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final int PREFIX_LENGTH = 16;

  private record Entry(String user, long deadlineNanos) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Entry> tokens = new HashMap<>();
  private final long ttlNanos;
  private final LongSupplier nanoClock;

  SimpleTokens(Duration ttl, LongSupplier nanoClock) {
    this.ttlNanos = ttl.toNanos();
    this.nanoClock = nanoClock;
  }

  String assign(String user, long index) {
    String token;
    do {
      StringBuilder b = new StringBuilder(PREFIX_LENGTH + 12);
      for (int i = 0; i < PREFIX_LENGTH; i++) {
        b.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
      }
      token = b.append('.').append(index).toString();
    } while (tokens.containsKey(token));
    tokens.put(token, new Entry(user, nanoClock.getAsLong() + ttlNanos));
    return token;
  }

  /** The token's user, its TTL restarted; null when unknown or expired. */
  String use(String token) {
    Entry e = tokens.get(token);
    long now = nanoClock.getAsLong();
    if (e == null) {
      return null;
    }
    if (now - e.deadlineNanos() >= 0) {
      tokens.remove(token);
      return null;
    }
    tokens.put(token, new Entry(e.user(), now + ttlNanos));
    return e.user();
  }

  void invalidateUser(String user) {
    tokens.values().removeIf(e -> e.user().equals(user));
  }

  void clear() {
    tokens.clear();
  }
}
