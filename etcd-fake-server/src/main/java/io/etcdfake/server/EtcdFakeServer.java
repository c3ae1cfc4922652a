package io.etcdfake.server;

import io.etcdfake.server.auth.AuthStore;
import io.etcdfake.server.auth.Caller;
import io.etcdfake.server.grpc.AuthGuard;
import io.etcdfake.server.grpc.AuthService;
import io.etcdfake.server.faults.Faults;
import io.etcdfake.server.grpc.ClusterService;
import io.etcdfake.server.grpc.Headers;
import io.etcdfake.server.grpc.MaintenanceService;
import io.etcdfake.server.grpc.QuotaGuard;
import io.etcdfake.server.grpc.RaftEntries;
import io.etcdfake.server.maintenance.Alarms;
import io.etcdfake.server.maintenance.Maintenance;
import io.etcdfake.server.membership.Membership;
import io.etcdfake.server.tls.CertificateAuthority;
import io.etcdfake.server.tls.ServerTls;
import io.etcdfake.server.grpc.KvService;
import io.etcdfake.server.grpc.LockService;
import io.etcdfake.server.grpc.ElectionService;
import io.etcdfake.server.lock.Locks;
import io.etcdfake.server.election.Elections;
import io.etcdfake.server.grpc.LeaseService;
import io.etcdfake.server.grpc.MessageSizeLimit;
import io.etcdfake.server.grpc.TokenInterceptor;
import io.etcdfake.server.grpc.NestingLimit;
import io.etcdfake.server.lease.Clock;
import io.etcdfake.server.lease.Lessor;
import io.etcdfake.server.lease.ManualClock;
import io.etcdfake.server.mvcc.MvccStore;
import io.etcdfake.server.grpc.WatchService;
import io.etcdfake.server.watch.WatchHub;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory etcd speaking etcd's v3 gRPC API. Build one, {@link #start()} it, point any etcd
 * client at {@link #clientEndpoints()}, and {@link #close()} it when done:
 *
 * <pre>{@code
 * try (EtcdFakeServer etcd = EtcdFakeServer.builder().build().start()) {
 *   Client client = Client.builder().endpoints(etcd.clientEndpoints()).build();
 *   ...
 * }
 * }</pre>
 *
 * Thread-safe. By default it listens on a free port of 127.0.0.1.
 */
public final class EtcdFakeServer implements AutoCloseable {
  /** How the threads that run calls are named: {@value}N. */
  public static final String EXECUTOR_THREAD_PREFIX = "etcd-fake-grpc-";

  /**
   * Threads that run calls by default: two per core, at least 4. Calls never wait on a thread, so
   * cores bound the useful number; the spare ones keep a CPU-heavy call (a bcrypt login) from
   * holding up the rest.
   */
  public static final int DEFAULT_EXECUTOR_THREADS = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

  /** etcd's default --max-concurrent-streams: math.MaxUint32. */
  public static final long DEFAULT_MAX_CONCURRENT_STREAMS = 0xffffffffL;
  private final Builder config;
  private final MemberIdentity identity;
  private final MvccStore store;
  private final Headers headers;
  private final AuthStore auth;
  private final Membership membership;
  private final Maintenance maintenance;
  private final WatchHub watchHub;
  private final Lessor lessor;
  private final Faults faults = new Faults();
  /** set by restart(): the addresses bound before, so the server comes back on the same ports */
  private List<InetSocketAddress> rebindTo;
  private Server server;
  /** runs every call's work; owned by this server, one per start() */
  private ExecutorService executor;
  private List<URI> endpoints = List.of();
  private boolean closed;

  private EtcdFakeServer(Builder config) {
    this.config = config;
    this.identity = config.identity();
    this.store = new MvccStore(config.maxTxnOps, config.maxRequestBytes);
    this.headers = new Headers(identity);
    // tokens expire by the same clock as leases, so a manual clock moves both
    this.auth = new AuthStore(config.bcryptCost, config.authTokenTtl, config.clock::nanos);
    bootstrapAuth();
    this.watchHub = new WatchHub(store, config.progressNotifyInterval);
    this.lessor = new Lessor(store, config.clock, identity.memberId());
    store.setLeaseIndex(lessor);
    this.membership = new Membership(identity, this::memberClientUrls);
    this.maintenance = new Maintenance(store, lessor, new Alarms(store), membership, identity, config.etcdVersion,
        config.quotaBackendBytes);
    if (config.restoreFrom != null) {
      try {
        maintenance.restore(new ByteArrayInputStream(config.restoreFrom));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot restore the snapshot: " + e.getMessage(), e);
      }
    }
    auth.setLeaseKeys(lessor::keysOf);
  }

  /** With {@link Builder#authRootPassword}: a root user with the root role, and auth on. */
  private void bootstrapAuth() {
    if (config.authRootPassword != null) {
      auth.userAdd(Caller.NONE, AuthStore.ROOT, config.authRootPassword, false);
      auth.roleAdd(Caller.NONE, AuthStore.ROOT);
      auth.userGrantRole(Caller.NONE, AuthStore.ROOT, AuthStore.ROOT);
      auth.enable(Caller.NONE);
    }
  }

  /** The client URLs the member list shows: the advertised ones, or where it listens. */
  private synchronized List<URI> memberClientUrls() {
    return !config.advertiseClientUrls.isEmpty() ? config.advertiseClientUrls : endpoints;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Binds the listen addresses and starts serving; returns this server. */
  public synchronized EtcdFakeServer start() throws IOException {
    if (server != null || closed) {
      throw new IllegalStateException(closed ? "server is closed" : "server already started");
    }
    MessageSizeLimit sizeLimit = new MessageSizeLimit(config.maxRequestBytes);
    List<InetSocketAddress> addresses = rebindTo != null ? rebindTo : config.listenAddresses();
    NettyServerBuilder nb = NettyServerBuilder.forAddress(addresses.get(0));
    for (InetSocketAddress extra : addresses.subList(1, addresses.size())) {
      nb.addListenAddress(extra);
    }
    if (config.servesTls()) {
      nb.sslContext(config.tls().sslContext(config.tlsHosts()));
    }
    executor = newExecutor(config.executorThreads);
    nb.executor(executor);
    HealthStatusManager health = new HealthStatusManager();
    // maintenance and cluster (surface): raft index accounting, and the space quota unless it is turned off
    nb.intercept(new RaftEntries(maintenance::raftApplied));
    if (maintenance.quotaBytes() > 0) {
      nb.intercept(new QuotaGuard(maintenance));
    }
    nb.addService(new MaintenanceService(maintenance, store, headers));
    nb.addService(new ClusterService(membership, headers));
    server = nb
        // the transport's own limit only guards memory; etcd's limit and words come from MessageSizeLimit
        .maxInboundMessageSize(Math.max(sizeLimit.maxBytes() * 4, 16 * 1024 * 1024))
        .permitKeepAliveWithoutCalls(true)
        .permitKeepAliveTime(5, TimeUnit.SECONDS)
        .maxConcurrentCallsPerConnection((int) Math.min(config.maxConcurrentStreams, Integer.MAX_VALUE))
        // auth: the guard of Lease, Maintenance and Cluster calls runs inside the token's context
        .intercept(new AuthGuard(auth))
        .intercept(new TokenInterceptor())
        .intercept(faults.interceptor())
        .addService(ServerInterceptors.intercept(NestingLimit.raise(new KvService(store, headers, auth).bindService(), config.maxTxnOps), sizeLimit))
        .addService(ServerInterceptors.intercept(new AuthService(auth, headers, store::currentRevision).definition(), sizeLimit))
        .addService(new WatchService(watchHub, headers, config.maxRequestBytes, auth))
        .addService(ServerInterceptors.intercept(new LeaseService(lessor, store, headers).definition(), sizeLimit))
        // lock and election: etcd's v3lock / v3election, recipes on the store, lessor and watch hub
        .addService(ServerInterceptors.intercept(new LockService(new Locks(store, lessor, watchHub, executor), headers, auth), sizeLimit))
        .addService(ServerInterceptors.intercept(new ElectionService(new Elections(store, lessor, watchHub, executor), headers, auth), sizeLimit))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .build()
        .start();
    lessor.startExpiryChecks();
    List<URI> bound = new ArrayList<>();
    for (SocketAddress a : server.getListenSockets()) {
      InetSocketAddress isa = (InetSocketAddress) a;
      bound.add(URI.create(config.scheme() + "://" + hostOf(isa, addresses) + ":" + isa.getPort()));
    }
    endpoints = config.advertiseClientUrls.isEmpty() ? List.copyOf(bound) : config.advertiseClientUrls;
    return this;
  }

  /**
   * A fixed pool instead of grpc-java's default cached pool, whose threads are unbounded: no call
   * parks a thread (Lock, Campaign and Observe continue on watch events, injected latency on a
   * timer), so work only queues for a few threads and a flood of waiting calls cannot grow the
   * thread count. Daemon threads, as grpc-java's own, so an unclosed server does not keep a JVM up.
   */
  private static ExecutorService newExecutor(int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, EXECUTOR_THREAD_PREFIX + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    // idle threads go, as grpc-java's own pool lets them: a server left open costs no thread
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** Lets work queued by calls that just ended (a cancelled waiter deleting its key) finish, then stops the pool. */
  private void stopExecutor() {
    if (executor == null) {
      return;
    }
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    executor.shutdownNow();
    executor = null;
  }

  private static String hostOf(InetSocketAddress bound, List<InetSocketAddress> requested) {
    for (InetSocketAddress r : requested) {
      if (r.getAddress() != null && r.getAddress().equals(bound.getAddress())) {
        String h = r.getHostString();
        return h.contains(":") ? "[" + h + "]" : h;
      }
    }
    String h = bound.getAddress().getHostAddress();
    return h.contains(":") ? "[" + h + "]" : h;
  }

  /** Where clients reach this server, e.g. {@code http://127.0.0.1:41234}; the advertised URLs if set. */
  public synchronized List<URI> clientEndpoints() {
    requireStarted();
    return endpoints;
  }

  /** The port of the first listen address. */
  public synchronized int port() {
    requireStarted();
    return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  public MemberIdentity identity() {
    return identity;
  }

  /** The store itself, for inspection in tests; writes through it are writes to the server. */
  public MvccStore store() {
    return store;
  }

  /** Users, roles, permissions and tokens; the guard every service asks while auth is on. */
  public AuthStore authStore() {
    return auth;
  }

  /** Every watcher of the server, for in-process watches and for inspection. */
  public WatchHub watchHub() {
    return watchHub;
  }

  /** The leases; grants and revokes through it are the server's own. */
  public Lessor lessor() {
    return lessor;
  }

  /**
   * The clock leases expire by. With {@link Builder#manualClock()}, {@code clock().advance(d)}
   * revokes every lease due by then before it returns; the system clock cannot be advanced.
   */
  public Clock clock() {
    return lessor.clock();
  }

  /**
   * Empties the store back to revision 1 and drops every lease, alarm and added member, as a freshly
   * started server. Open watchers are canceled (canceled=true, cancel_reason {@value #RESET_REASON}):
   * their history is gone. Auth goes back to how the builder set it.
   */
  public void reset() {
    store.atomically(() -> {
      lessor.reset();
      store.reset();
      maintenance.reset();
      membership.reset();
      watchHub.reset(RESET_REASON);
      auth.reset();
      bootstrapAuth();
      return null;
    });
  }

  /**
   * The raised alarms, as etcd's Alarm RPC sees them. Raising NOSPACE here makes puts, txns with a
   * put and lease grants fail with etcd's "database space exceeded" until it is deactivated.
   */
  public Alarms alarms() {
    return maintenance.alarms();
  }

  /**
   * With {@link Builder#autoTls(boolean)}: the certificate authority that issued the server's
   * certificate. Trust it in clients ({@code certificate()}, {@code writeCertificate(path)} for
   * etcdctl's --cacert) and issue client certificates with it. Null without auto TLS.
   */
  public CertificateAuthority autoTlsAuthority() {
    return config.autoTlsAuthority;
  }

  /** The member list the Cluster service answers with. */
  public Membership membership() {
    return membership;
  }

  /**
   * Writes a snapshot of the key space (every retained revision, the compaction point), the alarms
   * and the leases in the fake's own format, the bytes etcd's Snapshot RPC streams; restore it with
   * {@link Builder#restore(InputStream)}, which gives each lease its full TTL again, as etcd does.
   */
  public void snapshot(OutputStream out) throws IOException {
    out.write(maintenance.snapshot());
    out.flush();
  }

  /** Why watchers end on {@link #reset()}; etcd has no reset, so this is the fake's own text. */
  public static final String RESET_REASON = "etcd-fake: server reset";

  // ---------------------------------------------------------------- test powers (junit extension area)

  /** Failures, latency and dropped streams to inject into what clients see. */
  public Faults faults() {
    return faults;
  }

  /**
   * Stops and starts again on the same addresses and ports, as a restarted etcd: every connection
   * and open stream is cut (clients see UNAVAILABLE and reconnect). With {@code keepData} the store
   * is kept as it was, as etcd's is on disk, leases too (each renewed for its TTL, as etcd does on
   * restart); without, the server comes back empty at revision 1 with no leases.
   */
  public EtcdFakeServer restart(boolean keepData) throws IOException {
    return restart(keepData, Duration.ZERO);
  }

  /** As {@link #restart(boolean)}, staying down for {@code downtime} first: clients meanwhile see UNAVAILABLE. */
  public synchronized EtcdFakeServer restart(boolean keepData, Duration downtime) throws IOException {
    if (downtime.isNegative()) {
      throw new IllegalArgumentException("downtime must not be negative: " + downtime);
    }
    requireStarted();
    if (closed) {
      throw new IllegalStateException("server is closed");
    }
    List<URI> advertised = endpoints;
    List<InetSocketAddress> bound = new ArrayList<>();
    for (SocketAddress a : server.getListenSockets()) {
      bound.add((InetSocketAddress) a);
    }
    // no lease expires while the server is down; start() resumes the checks
    lessor.stopExpiryChecks();
    // streams end as a lost connection ends them (UNAVAILABLE), which clients retry; a bare
    // shutdownNow would reset them, which gRPC clients take for CANCELLED and give up on
    faults.dropStreams(Status.UNAVAILABLE.withDescription("etcd-fake: server restarting"));
    server.shutdownNow();
    try {
      server.awaitTermination(30, TimeUnit.SECONDS);
      Thread.sleep(downtime.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping for a restart", e);
    }
    server = null;
    stopExecutor();
    if (keepData) {
      // a restarted etcd's new leader extends every lease by its full TTL (lessor.Promote)
      for (long id : lessor.leases()) {
        lessor.keepAlive(id);
      }
    } else {
      reset();
    }
    rebindTo = bound;
    start();
    endpoints = advertised;
    return this;
  }

  public synchronized boolean isRunning() {
    return server != null && !closed;
  }

  /**
   * Stops serving: new calls are refused at once, calls in flight get the builder's
   * {@link Builder#closeGracePeriod grace period} to finish, then what is left is cut and the port
   * released. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    faults.clear();
    // watch streams would hold a graceful shutdown open: end them first, as a stopping etcd does
    watchHub.close();
    lessor.stopExpiryChecks();
    if (server != null) {
      server.shutdown();
      try {
        if (!server.awaitTermination(config.closeGracePeriod.toNanos(), TimeUnit.NANOSECONDS)) {
          server.shutdownNow();
          server.awaitTermination(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    stopExecutor();
  }

  private void requireStarted() {
    if (server == null) {
      throw new IllegalStateException("server not started");
    }
  }

  /** Configuration of an {@link EtcdFakeServer}; every setting has etcd's default. */
  public static final class Builder {
    private List<URI> listenClientUrls = List.of(URI.create("http://127.0.0.1:0"));
    private List<URI> advertiseClientUrls = List.of();
    private String name = MemberIdentity.DEFAULT_NAME;
    private List<URI> peerUrls = List.of(MemberIdentity.DEFAULT_PEER_URL);
    private String clusterToken = MemberIdentity.DEFAULT_CLUSTER_TOKEN;
    private Long clusterId;
    private Long memberId;
    private long raftTerm = MemberIdentity.DEFAULT_RAFT_TERM;
    private int maxTxnOps = MvccStore.DEFAULT_MAX_TXN_OPS;
    private int maxRequestBytes = MvccStore.DEFAULT_MAX_REQUEST_BYTES;
    // auth
    private String authRootPassword;
    private int bcryptCost = AuthStore.MIN_BCRYPT_COST;
    private Duration authTokenTtl = AuthStore.DEFAULT_TOKEN_TTL;
    // watch
    private Duration progressNotifyInterval = WatchHub.DEFAULT_PROGRESS_NOTIFY_INTERVAL;
    private Clock clock = Clock.system();
    // reliability
    private long maxConcurrentStreams = DEFAULT_MAX_CONCURRENT_STREAMS;
    private Duration closeGracePeriod = Duration.ofSeconds(1);
    private int executorThreads = DEFAULT_EXECUTOR_THREADS;

    // maintenance (surface)
    private String etcdVersion = Maintenance.DEFAULT_VERSION;
    private long quotaBackendBytes;
    private byte[] restoreFrom;

    // TLS (surface): etcd's --cert-file, --key-file, --trusted-ca-file, --client-cert-auth, --auto-tls
    private Path certFile;
    private Path keyFile;
    private Path trustedCaFile;
    private boolean clientCertAuth;
    private CertificateAuthority autoTlsAuthority;
    /** the listen URLs are the default or port()'s: their scheme follows whether TLS is on */
    private boolean listenSchemeFollowsTls = true;

    private Builder() {}

    /** etcd's --cert-file and --key-file (PEM): serve TLS; the listen URLs become https unless set as http. */
    public Builder tls(Path certFile, Path keyFile) {
      this.certFile = Objects.requireNonNull(certFile);
      this.keyFile = Objects.requireNonNull(keyFile);
      return this;
    }

    /** etcd's --trusted-ca-file: the CA client certificates must be signed by (with {@link #clientCertAuth}). */
    public Builder trustedCaFile(Path caFile) {
      this.trustedCaFile = caFile;
      return this;
    }

    /** etcd's --client-cert-auth: refuse clients without a certificate from the trusted CA. */
    public Builder clientCertAuth(boolean required) {
      this.clientCertAuth = required;
      return this;
    }

    /**
     * etcd's --auto-tls, made useful for tests: a fresh CA issues the server a certificate for its
     * listen hosts, 127.0.0.1 and localhost; {@link EtcdFakeServer#autoTlsAuthority()} gives the CA.
     */
    public Builder autoTls(boolean enabled) {
      this.autoTlsAuthority = enabled ? CertificateAuthority.create("etcd-fake auto TLS CA") : null;
      return this;
    }

    /** The etcd version Status reports (default {@value Maintenance#DEFAULT_VERSION}). */
    public Builder etcdVersion(String version) {
      this.etcdVersion = Objects.requireNonNull(version);
      return this;
    }

    /**
     * etcd's --quota-backend-bytes: past this estimated database size, puts, txns with puts and lease
     * grants raise the NOSPACE alarm and fail. 0 (the default) is etcd's 2 GiB, a negative value
     * disables the quota, as in etcd. The estimate counts every retained version, as bbolt holds them
     * until a compaction; the heap the store takes is about as large, so a JVM whose heap is smaller
     * than the quota needs a smaller quota to refuse writes before it runs out of memory.
     */
    public Builder quotaBackendBytes(long bytes) {
      this.quotaBackendBytes = bytes;
      return this;
    }

    /** Starts from a snapshot written by {@link EtcdFakeServer#snapshot(OutputStream)} or saved by etcdctl from a fake. */
    public Builder restore(InputStream snapshot) throws IOException {
      this.restoreFrom = snapshot.readAllBytes();
      return this;
    }

    /** Listen on 127.0.0.1 at this port; 0 (the default) picks a free one. */
    public Builder port(int port) {
      listenClientUrls(List.of(URI.create("http://127.0.0.1:" + port)));
      listenSchemeFollowsTls = true;
      return this;
    }

    /** etcd's --listen-client-urls: http or https URLs with an IP or host name and a port. */
    public Builder listenClientUrls(List<URI> urls) {
      if (urls.isEmpty()) {
        throw new IllegalArgumentException("at least one listen URL is needed");
      }
      for (URI u : urls) {
        boolean known = "http".equals(u.getScheme()) || "https".equals(u.getScheme());
        if (!known || u.getHost() == null || u.getPort() < 0) {
          throw new IllegalArgumentException("listen URL must look like http://HOST:PORT or https://HOST:PORT: " + u);
        }
      }
      if (urls.stream().map(URI::getScheme).distinct().count() > 1) {
        throw new IllegalArgumentException("etcd-fake serves one scheme: make all listen URLs http or all https: " + urls);
      }
      this.listenClientUrls = List.copyOf(urls);
      this.listenSchemeFollowsTls = false;
      return this;
    }

    /** etcd's --advertise-client-urls: what {@link #clientEndpoints()} reports; default the bound addresses. */
    public Builder advertiseClientUrls(List<URI> urls) {
      this.advertiseClientUrls = List.copyOf(urls);
      return this;
    }

    /** etcd's --name (default "default"). */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name);
      return this;
    }

    /** etcd's --initial-advertise-peer-urls: with the name and token, they fix the member and cluster ids. */
    public Builder peerUrls(List<URI> urls) {
      this.peerUrls = List.copyOf(urls);
      return this;
    }

    /** etcd's --initial-cluster-token (default "etcd-cluster"). */
    public Builder clusterToken(String token) {
      this.clusterToken = Objects.requireNonNull(token);
      return this;
    }

    public Builder clusterId(long id) {
      this.clusterId = id;
      return this;
    }

    public Builder memberId(long id) {
      this.memberId = id;
      return this;
    }

    public Builder raftTerm(long term) {
      this.raftTerm = term;
      return this;
    }

    /** etcd's --max-txn-ops (default 128). */
    public Builder maxTxnOps(int n) {
      this.maxTxnOps = n;
      return this;
    }

    /** etcd's --max-request-bytes (default 1.5 MiB); the gRPC limit is 512 KiB above it. */
    public Builder maxRequestBytes(int n) {
      this.maxRequestBytes = n;
      return this;
    }

    // ---- auth

    /**
     * Start with auth on: a user {@code root} with this password and the root role, as after
     * {@code etcdctl user add root && etcdctl auth enable}. Clients then need a user and password.
     */
    public Builder authRootPassword(String password) {
      this.authRootPassword = Objects.requireNonNull(password);
      return this;
    }

    /**
     * etcd's --bcrypt-cost for user passwords, 4 to 31. etcd's default is 10; the fake's is 4, which
     * makes Authenticate and UserAdd fast and is just as correct.
     */
    public Builder bcryptCost(int cost) {
      if (cost < AuthStore.MIN_BCRYPT_COST || cost > AuthStore.MAX_BCRYPT_COST) {
        throw new IllegalArgumentException("bcrypt cost must be between 4 and 31: " + cost);
      }
      this.bcryptCost = cost;
      return this;
    }

    /** etcd's --auth-token-ttl: how long an unused simple token stays valid (default 300 s). */
    public Builder authTokenTtl(Duration ttl) {
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("auth token TTL must be positive: " + ttl);
      }
      this.authTokenTtl = ttl;
      return this;
    }

    /** etcd's --experimental-watch-progress-notify-interval (default 10 min): progress_notify watchers' period. */
    public Builder progressNotifyInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("progress notify interval must be positive: " + interval);
      }
      this.progressNotifyInterval = interval;
      return this;
    }

    // ---- reliability: resource bounds and shutdown

    /**
     * etcd's --max-concurrent-streams (default 2^32-1, i.e. unbounded): streams one client connection
     * may have open at once; more wait in the client until one ends. Capped at {@link Integer#MAX_VALUE}.
     */
    public Builder maxConcurrentStreams(long n) {
      if (n <= 0) {
        throw new IllegalArgumentException("max concurrent streams must be positive: " + n);
      }
      this.maxConcurrentStreams = n;
      return this;
    }

    /**
     * Threads that run calls (the fake's own setting; etcd runs each call on a goroutine). Default
     * {@link #DEFAULT_EXECUTOR_THREADS}: two per core, at least 4. However many calls wait (Lock,
     * Campaign, Observe, Watch), none holds a thread, so this bounds the server's threads, not its calls.
     */
    public Builder executorThreads(int n) {
      if (n <= 0) {
        throw new IllegalArgumentException("executor threads must be positive: " + n);
      }
      this.executorThreads = n;
      return this;
    }

    /**
     * How long {@link EtcdFakeServer#close()} lets calls in flight finish before cutting them
     * (default 1 s); new calls are refused at once.
     */
    public Builder closeGracePeriod(Duration grace) {
      if (grace.isNegative()) {
        throw new IllegalArgumentException("grace period must not be negative: " + grace);
      }
      this.closeGracePeriod = grace;
      return this;
    }

    // ---- lease: the clock leases expire by

    /** The clock leases expire by; the system clock by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** A {@link ManualClock}: time stands still until {@code server.clock().advance(d)}. */
    public Builder manualClock() {
      return clock(new ManualClock());
    }

    public EtcdFakeServer build() {
      if ("https".equals(scheme()) && certFile == null && autoTlsAuthority == null) {
        throw new IllegalArgumentException("TLS key/cert (--cert-file, --key-file) must be provided for client url "
            + listenClientUrls.get(0) + " with HTTPS scheme");
      }
      if (clientCertAuth && trustedCaFile == null && autoTlsAuthority == null) {
        throw new IllegalArgumentException("--client-cert-auth needs --trusted-ca-file to verify client certificates");
      }
      return new EtcdFakeServer(this);
    }

    boolean tlsConfigured() {
      return certFile != null || autoTlsAuthority != null;
    }

    /** TLS is served on https listen URLs only, as etcd does; http ones stay plain. */
    boolean servesTls() {
      return "https".equals(scheme());
    }

    ServerTls tls() {
      return new ServerTls(certFile, keyFile, trustedCaFile, clientCertAuth, autoTlsAuthority);
    }

    /** What an auto TLS certificate is valid for: the listen hosts, loopback and localhost. */
    List<String> tlsHosts() {
      java.util.Set<String> hosts = new java.util.LinkedHashSet<>(List.of("127.0.0.1", "localhost", "::1"));
      for (URI u : listenClientUrls) {
        String h = u.getHost().replace("[", "").replace("]", "");
        if (!h.equals("0.0.0.0") && !h.equals("::")) {
          hosts.add(h);
        }
      }
      return List.copyOf(hosts);
    }

    MemberIdentity identity() {
      MemberIdentity derived = MemberIdentity.derive(name, peerUrls, clusterToken);
      return new MemberIdentity(name, clusterId != null ? clusterId : derived.clusterId(),
          memberId != null ? memberId : derived.memberId(), raftTerm, peerUrls);
    }

    String scheme() {
      return listenSchemeFollowsTls ? (tlsConfigured() ? "https" : "http") : listenClientUrls.get(0).getScheme();
    }

    List<InetSocketAddress> listenAddresses() {
      List<InetSocketAddress> out = new ArrayList<>();
      for (URI u : listenClientUrls) {
        out.add(new InetSocketAddress(u.getHost().replace("[", "").replace("]", ""), u.getPort()));
      }
      return out;
    }
  }

}
