package io.etcdfake.server.auth;

import com.google.protobuf.ByteString;
import io.etcdfake.server.errors.EtcdError;
import io.etcdfake.server.errors.EtcdException;
import io.etcdfake.server.errors.StatusCode;
import io.etcdfake.server.mvcc.Comparison;
import io.etcdfake.server.mvcc.Op;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * etcd's auth store: users with bcrypt passwords, roles with key-range permissions, the on/off
 * switch, simple tokens, the auth revision, and the permission checks every service asks before it
 * serves a request. Each method follows etcd 3.5's (server/auth/store.go and the auth applier): the
 * same checks in the same order, the same errors, the same revision bumps (never the KV revision).
 *
 * <p>Management calls take the {@link Caller} and check it first, as etcd's applier does: while auth
 * is on, only a user with the root role may manage (a user may still read itself and its roles).
 * Thread-safe; bcrypt runs outside the lock.
 */
public final class AuthStore {
  public static final String ROOT = "root";
  /** etcd's bcrypt.DefaultCost; the fake's default is the minimum, since nothing here needs to resist attack. */
  public static final int ETCD_BCRYPT_COST = 10;
  public static final int MIN_BCRYPT_COST = 4;
  public static final int MAX_BCRYPT_COST = 31;
  /** etcd's --auth-token-ttl default. */
  public static final Duration DEFAULT_TOKEN_TTL = Duration.ofSeconds(300);

  private static final int BCRYPT_MAX_PASSWORD_BYTES = 72;

  /** A user as stored: a bcrypt hash (null for a no-password user, empty after a change to ""), sorted roles. */
  private record User(String name, String passwordHash, List<String> roles, boolean noPassword) {
    boolean hasRoot() {
      return roles.contains(ROOT);
    }

    User withRoles(List<String> r) {
      return new User(name, passwordHash, List.copyOf(r), noPassword);
    }
  }

  /** What AuthStatus answers. */
  public record Status(boolean enabled, long authRevision) {}

  private final int bcryptCost;
  private final SimpleTokens tokens;
  private final SecureRandom random = new SecureRandom();
  private final TreeMap<String, User> users = new TreeMap<>();
  private final TreeMap<String, List<Permission>> roles = new TreeMap<>();
  private boolean enabled;
  /** etcd's auth revision: 1 on a fresh store, one more per change of users, roles or a disable. */
  private long revision = 1;
  private long tokenIndex;
  private LeaseKeys leaseKeys = LeaseKeys.NONE;

  /** The keys attached to a lease, for the lease checks of Put and LeaseRevoke. */
  @FunctionalInterface
  public interface LeaseKeys {
    Collection<ByteString> keysOf(long leaseId);

    LeaseKeys NONE = id -> List.of();
  }

  public AuthStore() {
    this(MIN_BCRYPT_COST, DEFAULT_TOKEN_TTL, System::nanoTime);
  }

  public AuthStore(int bcryptCost, Duration tokenTtl, LongSupplier nanoClock) {
    if (bcryptCost < MIN_BCRYPT_COST || bcryptCost > MAX_BCRYPT_COST) {
      throw new IllegalArgumentException("bcrypt cost must be in [4, 31]: " + bcryptCost);
    }
    if (tokenTtl.isNegative() || tokenTtl.isZero()) {
      throw new IllegalArgumentException("token TTL must be positive: " + tokenTtl);
    }
    this.bcryptCost = bcryptCost;
    this.tokens = new SimpleTokens(tokenTtl, nanoClock);
  }

  /** Tells the store which keys each lease holds; set by whoever owns the leases. */
  public synchronized void setLeaseKeys(LeaseKeys leaseKeys) {
    this.leaseKeys = leaseKeys;
  }

  /** Back to a fresh etcd's auth state: off, no users, no roles, no tokens, revision 1. */
  public synchronized void reset() {
    enabled = false;
    users.clear();
    roles.clear();
    tokens.clear();
    revision = 1;
  }

  public synchronized boolean isEnabled() {
    return enabled;
  }

  public synchronized long revision() {
    return revision;
  }

  // ------------------------------------------------------------------ on, off, status, tokens

  public synchronized void enable(Caller who) {
    checkAdmin(who);
    if (enabled) {
      return;
    }
    User root = users.get(ROOT);
    if (root == null) {
      throw EtcdError.ROOT_USER_NOT_EXIST.exception();
    }
    if (!root.hasRoot()) {
      throw EtcdError.ROOT_ROLE_NOT_EXIST.exception();
    }
    enabled = true;
  }

  public synchronized void disable(Caller who) {
    checkAdmin(who);
    if (!enabled) {
      return;
    }
    enabled = false;
    revision++;
    tokens.clear();
  }

  public synchronized Status status(Caller who) {
    checkAdmin(who);
    return new Status(enabled, revision);
  }

  /** Checks the password and hands out a simple token. */
  public String authenticate(String name, String password) {
    while (true) {
      String hash;
      long checkedAt;
      synchronized (this) {
        if (!enabled) {
          throw EtcdError.AUTH_NOT_ENABLED.exception();
        }
        User u = users.get(name);
        if (u == null) {
          throw EtcdError.AUTH_FAILED.exception();
        }
        if (u.noPassword()) {
          throw NO_PASSWORD_USER;
        }
        hash = u.passwordHash();
        checkedAt = revision;
      }
      if (!passwordMatches(hash, password)) {
        throw EtcdError.AUTH_FAILED.exception();
      }
      synchronized (this) {
        if (checkedAt != revision) {
          continue; // users changed while bcrypt ran: check again, as etcd does
        }
        return tokens.assign(name, ++tokenIndex);
      }
    }
  }

  /** etcd leaves this one unmapped, so it reaches clients with code Unknown and the auth package's words. */
  private static final EtcdException NO_PASSWORD_USER = new EtcdException(StatusCode.UNKNOWN,
      "auth: authentication failed, password was given for no password user");

  /**
   * The caller a request's token stands for: {@link Caller#NONE} without a token or while auth is
   * off (etcd 3.5.10 and later ignore tokens then); an unknown or expired token is refused.
   */
  public synchronized Caller caller(String token) {
    if (!enabled || token == null) {
      return Caller.NONE;
    }
    String user = tokens.use(token);
    if (user == null) {
      throw EtcdError.INVALID_AUTH_TOKEN.exception();
    }
    return new Caller(user, revision);
  }

  // ------------------------------------------------------------------ users

  public void userAdd(Caller who, String name, String password, boolean noPassword) {
    String hash = noPassword ? null : hash(password); // etcd hashes before the request is applied
    synchronized (this) {
      checkAdmin(who);
      if (name.isEmpty()) {
        throw EtcdError.USER_EMPTY.exception();
      }
      if (users.containsKey(name)) {
        throw EtcdError.USER_ALREADY_EXIST.exception();
      }
      users.put(name, new User(name, hash, List.of(), noPassword));
      revision++;
    }
  }

  public synchronized void userDelete(Caller who, String name) {
    checkAdmin(who);
    if (enabled && name.equals(ROOT)) {
      throw EtcdError.INVALID_AUTH_MGMT.exception();
    }
    if (users.remove(name) == null) {
      throw EtcdError.USER_NOT_FOUND.exception();
    }
    revision++;
    tokens.invalidateUser(name);
  }

  public void userChangePassword(Caller who, String name, String password) {
    // etcd hashes a non-empty password up front; an empty one leaves an empty hash nothing matches
    String hash = password.isEmpty() ? "" : hash(password);
    synchronized (this) {
      checkAdmin(who);
      User u = users.get(name);
      if (u == null) {
        throw EtcdError.USER_NOT_FOUND.exception();
      }
      users.put(name, new User(name, u.noPassword() ? null : hash, u.roles(), u.noPassword()));
      revision++;
      tokens.invalidateUser(name);
    }
  }

  public synchronized void userGrantRole(Caller who, String user, String role) {
    checkAdmin(who);
    User u = users.get(user);
    if (u == null) {
      throw EtcdError.USER_NOT_FOUND.exception();
    }
    // the root role may be granted before it exists
    if (!role.equals(ROOT) && !roles.containsKey(role)) {
      throw EtcdError.ROLE_NOT_FOUND.exception();
    }
    if (u.roles().contains(role)) {
      return; // etcd ignores a repeated grant, without a revision
    }
    List<String> r = new ArrayList<>(u.roles());
    r.add(role);
    r.sort(Comparator.naturalOrder());
    users.put(user, u.withRoles(r));
    revision++;
  }

  /** The user's roles. A user may read itself without the root role. */
  public synchronized List<String> userGet(Caller who, String name) {
    if (!isAdmin(who) && !name.equals(who.user())) {
      checkAdmin(who);
    }
    User u = users.get(name);
    if (u == null) {
      throw EtcdError.USER_NOT_FOUND.exception();
    }
    return u.roles();
  }

  public synchronized List<String> userList(Caller who) {
    checkAdmin(who);
    return List.copyOf(users.keySet());
  }

  public synchronized void userRevokeRole(Caller who, String name, String role) {
    checkAdmin(who);
    if (enabled && name.equals(ROOT) && role.equals(ROOT)) {
      throw EtcdError.INVALID_AUTH_MGMT.exception();
    }
    User u = users.get(name);
    if (u == null) {
      throw EtcdError.USER_NOT_FOUND.exception();
    }
    if (!u.roles().contains(role)) {
      throw EtcdError.ROLE_NOT_GRANTED.exception();
    }
    users.put(name, u.withRoles(u.roles().stream().filter(r -> !r.equals(role)).toList()));
    revision++;
  }

  // ------------------------------------------------------------------ roles

  public synchronized void roleAdd(Caller who, String name) {
    checkAdmin(who);
    if (name.isEmpty()) {
      throw EtcdError.ROLE_EMPTY.exception();
    }
    if (roles.containsKey(name)) {
      throw EtcdError.ROLE_ALREADY_EXIST.exception();
    }
    roles.put(name, List.of());
    revision++;
  }

  /** The role's permissions; the root role reports read-write on everything. A user may read its own roles. */
  public synchronized List<Permission> roleGet(Caller who, String name) {
    if (!isAdmin(who)) {
      User u = users.get(who.user());
      if (u == null || !u.roles().contains(name)) {
        checkAdmin(who);
      }
    }
    List<Permission> perms = roles.get(name);
    if (perms == null) {
      throw EtcdError.ROLE_NOT_FOUND.exception();
    }
    return name.equals(ROOT) ? List.of(Permission.ROOT) : perms;
  }

  public synchronized List<String> roleList(Caller who) {
    checkAdmin(who);
    return List.copyOf(roles.keySet());
  }

  public synchronized void roleDelete(Caller who, String name) {
    checkAdmin(who);
    if (enabled && name.equals(ROOT)) {
      throw EtcdError.INVALID_AUTH_MGMT.exception();
    }
    if (roles.remove(name) == null) {
      throw EtcdError.ROLE_NOT_FOUND.exception();
    }
    for (User u : List.copyOf(users.values())) {
      if (u.roles().contains(name)) {
        users.put(u.name(), u.withRoles(u.roles().stream().filter(r -> !r.equals(name)).toList()));
      }
    }
    revision++;
  }

  /**
   * Grants or updates a permission; {@code perm} null is a request without one. Like etcd, an
   * existing permission is found only as the first one with the same key, so a second range on
   * the same key is added beside it rather than merged.
   */
  public synchronized void roleGrantPermission(Caller who, String name, Permission perm) {
    checkAdmin(who);
    if (perm == null) {
      throw EtcdError.PERMISSION_NOT_GIVEN.exception();
    }
    List<Permission> current = roles.get(name);
    if (current == null) {
      throw EtcdError.ROLE_NOT_FOUND.exception();
    }
    List<Permission> next = new ArrayList<>(current);
    int idx = 0;
    while (idx < next.size() && ByteString.unsignedLexicographicalComparator().compare(next.get(idx).key(), perm.key()) < 0) {
      idx++;
    }
    if (idx < next.size() && next.get(idx).key().equals(perm.key()) && next.get(idx).rangeEnd().equals(perm.rangeEnd())) {
      next.set(idx, next.get(idx).withCode(perm.code()));
    } else {
      next.add(perm);
      next.sort(Comparator.comparing(Permission::key, ByteString.unsignedLexicographicalComparator()));
    }
    roles.put(name, List.copyOf(next));
    revision++;
  }

  public synchronized void roleRevokePermission(Caller who, String name, ByteString key, ByteString rangeEnd) {
    checkAdmin(who);
    List<Permission> current = roles.get(name);
    if (current == null) {
      throw EtcdError.ROLE_NOT_FOUND.exception();
    }
    List<Permission> next = current.stream()
        .filter(p -> !p.key().equals(key) || !p.rangeEnd().equals(rangeEnd))
        .toList();
    if (next.size() == current.size()) {
      throw EtcdError.PERMISSION_NOT_GRANTED.exception();
    }
    roles.put(name, next);
    revision++;
  }

  // ------------------------------------------------------------------ the guard other services call

  /** Read permission on {@code key .. rangeEnd} (etcd's range convention). */
  public synchronized void checkRead(Caller who, ByteString key, ByteString rangeEnd) {
    checkRange(who, key, rangeEnd, false);
  }

  /** Write permission on {@code key .. rangeEnd}; a put is {@code rangeEnd} empty. */
  public synchronized void checkWrite(Caller who, ByteString key, ByteString rangeEnd) {
    checkRange(who, key, rangeEnd, true);
  }

  /** The root role, for everything that manages the cluster rather than keys. */
  public synchronized void checkAdmin(Caller who) {
    if (!enabled) {
      return;
    }
    if (who.user().isEmpty()) {
      throw EtcdError.USER_EMPTY.exception();
    }
    User u = users.get(who.user());
    if (u == null) {
      throw EtcdError.USER_NOT_FOUND.exception();
    }
    if (!u.hasRoot()) {
      throw EtcdError.PERMISSION_DENIED.exception();
    }
  }

  /** etcd's checks of a Put beyond the key: write on the lease's other keys, read for prev_kv. */
  public synchronized void checkPut(Caller who, Op.Put put) {
    checkWrite(who, put.key(), ByteString.EMPTY);
    checkLeaseKeys(who, put.lease());
    if (put.prevKv()) {
      checkRead(who, put.key(), ByteString.EMPTY);
    }
  }

  /** A DeleteRange: write on the range, and read too when it returns the deleted pairs. */
  public synchronized void checkDelete(Caller who, Op.DeleteRange delete) {
    checkWrite(who, delete.key(), delete.rangeEnd());
    if (delete.prevKv()) {
      checkRead(who, delete.key(), delete.rangeEnd());
    }
  }

  /** A txn: read on every compared range, then each op of both branches, nested txns included. */
  public synchronized void checkTxn(Caller who, Op.Txn txn) {
    if (!enabled) {
      return;
    }
    for (Comparison c : txn.compare()) {
      checkRead(who, c.key(), c.rangeEnd());
    }
    checkOps(who, txn.success());
    checkOps(who, txn.failure());
  }

  private void checkOps(Caller who, List<Op> ops) {
    for (Op op : ops) {
      if (op instanceof Op.Range r) {
        checkRead(who, r.key(), r.rangeEnd());
      } else if (op instanceof Op.Put p) {
        checkWrite(who, p.key(), ByteString.EMPTY);
      } else if (op instanceof Op.DeleteRange d) {
        if (d.prevKv()) {
          checkRead(who, d.key(), d.rangeEnd());
        }
        checkWrite(who, d.key(), d.rangeEnd());
      } else if (op instanceof Op.Txn t) {
        checkTxn(who, t);
      }
    }
  }

  /** Write on every key attached to the lease: what LeaseRevoke (and a Put onto the lease) needs. */
  public synchronized void checkLeaseKeys(Caller who, long leaseId) {
    if (!enabled || leaseId == 0) {
      return;
    }
    for (ByteString key : leaseKeys.keysOf(leaseId)) {
      checkWrite(who, key, ByteString.EMPTY);
    }
  }

  /**
   * LeaseTimeToLive with keys (etcd 3.5.9+): a user, and read on every key of the lease unless root.
   */
  public synchronized void checkLeaseKeysReadable(Caller who, long leaseId) {
    if (!enabled) {
      return;
    }
    if (who.isAnonymous()) {
      throw EtcdError.USER_EMPTY.exception();
    }
    if (isAdmin(who)) {
      return;
    }
    for (ByteString key : leaseKeys.keysOf(leaseId)) {
      checkRead(who, key, ByteString.EMPTY);
    }
  }

  /**
   * The reason a watch on {@code key .. rangeEnd} is refused, or null. etcd checks a watch's range
   * after turning an empty key into "\0" and a range end of "\0" into none, so a watch from a key on
   * needs read on that key alone. The reason is the gRPC error's text, as etcd puts it in cancel_reason.
   */
  public synchronized String watchRefusal(Caller who, ByteString key, ByteString rangeEnd) {
    if (!enabled) {
      return null;
    }
    ByteString k = key.isEmpty() ? ByteString.copyFrom(new byte[] {0}) : key;
    ByteString end = rangeEnd.size() == 1 && rangeEnd.byteAt(0) == 0 ? ByteString.EMPTY : rangeEnd;
    try {
      checkRead(who, k, end);
      return null;
    } catch (EtcdException e) {
      EtcdError shown = e.getMessage().equals(EtcdError.USER_EMPTY.message()) ? EtcdError.USER_EMPTY : EtcdError.PERMISSION_DENIED;
      return grpcErrorText(shown);
    }
  }

  /** How Go prints a gRPC status error: what etcd writes into a watch's cancel_reason. */
  public static String grpcErrorText(EtcdError e) {
    String code = switch (e.code()) {
      case INVALID_ARGUMENT -> "InvalidArgument";
      case PERMISSION_DENIED -> "PermissionDenied";
      case UNAUTHENTICATED -> "Unauthenticated";
      case FAILED_PRECONDITION -> "FailedPrecondition";
      default -> e.code().name();
    };
    return "rpc error: code = " + code + " desc = " + e.message();
  }

  private void checkRange(Caller who, ByteString key, ByteString rangeEnd, boolean write) {
    if (!enabled) {
      return;
    }
    if (who.authRevision() == 0) {
      throw EtcdError.USER_EMPTY.exception();
    }
    User u = users.get(who.user());
    if (u == null) {
      throw EtcdError.PERMISSION_DENIED.exception();
    }
    if (u.hasRoot()) {
      return;
    }
    KeyPermissions merged = new KeyPermissions();
    for (String roleName : u.roles()) {
      for (Permission p : roles.getOrDefault(roleName, List.of())) {
        if (write ? p.allowsWrite() : p.allowsRead()) {
          merged.add(p.key(), p.rangeEnd());
        }
      }
    }
    if (!merged.permits(key, rangeEnd)) {
      throw EtcdError.PERMISSION_DENIED.exception();
    }
  }

  private boolean isAdmin(Caller who) {
    if (!enabled) {
      return true;
    }
    User u = users.get(who.user());
    return u != null && u.hasRoot();
  }

  // ------------------------------------------------------------------ bcrypt

  private String hash(String password) {
    byte[] bytes = password.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > BCRYPT_MAX_PASSWORD_BYTES) {
      // Go's bcrypt refuses these; etcd passes the error on unmapped
      throw new EtcdException(StatusCode.UNKNOWN, "bcrypt: password length exceeds 72 bytes");
    }
    byte[] salt = new byte[16];
    synchronized (random) {
      random.nextBytes(salt);
    }
    return OpenBSDBCrypt.generate("2a", bytes, salt, bcryptCost);
  }

  private static boolean passwordMatches(String hash, String password) {
    if (hash == null || hash.isEmpty()) {
      return false;
    }
    byte[] bytes = password.getBytes(StandardCharsets.UTF_8);
    // bcrypt reads at most 72 bytes of a password
    return OpenBSDBCrypt.checkPassword(hash, bytes.length > BCRYPT_MAX_PASSWORD_BYTES
        ? Arrays.copyOf(bytes, BCRYPT_MAX_PASSWORD_BYTES) : bytes);
  }
}
