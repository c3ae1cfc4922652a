package io.etcdfake.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The standalone server: {@code java -jar etcd-fake-server-VERSION-standalone.jar}, with etcd's own
 * flag names so that scripts and tools written for a local etcd work unchanged.
 */
@Command(
    name = "etcd-fake",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    sortOptions = false,
    usageHelpWidth = 120,
    description = "An in-memory etcd: etcd's v3 gRPC API for tests, started in milliseconds.")
public final class Main implements java.util.concurrent.Callable<Integer> {

  @Option(names = "--listen-client-urls", split = ",", paramLabel = "URL",
      description = "URLs to listen on for client traffic (default: ${DEFAULT-VALUE}).",
      defaultValue = "http://127.0.0.1:2379")
  List<URI> listenClientUrls;

  @Option(names = "--advertise-client-urls", split = ",", paramLabel = "URL",
      description = "Client URLs to report to clients (default: the listen URLs).")
  List<URI> advertiseClientUrls;

  @Option(names = "--name", paramLabel = "NAME", defaultValue = MemberIdentity.DEFAULT_NAME,
      description = "Human-readable name of this member (default: ${DEFAULT-VALUE}).")
  String name;

  // ---- auth
  @Option(names = "--auth-token", paramLabel = "TYPE", defaultValue = "simple",
      description = "Auth token type; only etcd's 'simple' tokens are supported (default: ${DEFAULT-VALUE}).")
  String authToken;

  @Option(names = "--auth-token-ttl", paramLabel = "SECONDS", defaultValue = "300",
      description = "How long an unused simple token stays valid (default: ${DEFAULT-VALUE}).")
  int authTokenTtlSeconds;

  @Option(names = "--bcrypt-cost", paramLabel = "COST", defaultValue = "4",
      description = "bcrypt cost of user passwords, 4 to 31 (default: ${DEFAULT-VALUE}; etcd's is 10).")
  int bcryptCost;

  @Option(names = "--fake-auth-root-password", paramLabel = "PASSWORD",
      description = "Start with auth enabled and a user 'root' (root role) with this password.")
  String authRootPassword;

  // watch
  @Option(names = "--experimental-watch-progress-notify-interval", paramLabel = "DURATION",
      converter = GoDuration.class, defaultValue = "10m",
      description = "Period of progress notifications to watchers that ask for them, in Go's duration syntax (default: ${DEFAULT-VALUE}).")
  java.time.Duration progressNotifyInterval;

  // the rest of etcd's flags and its ETCD_* environment (surface)
  @CommandLine.Mixin EtcdFlags etcdFlags = new EtcdFlags();

  // reliability: etcd's limits, with etcd's defaults
  @Option(names = "--max-request-bytes", paramLabel = "BYTES", defaultValue = "1572864",
      description = "Maximum client request size in bytes the server will accept (default: ${DEFAULT-VALUE}).")
  int maxRequestBytes;

  @Option(names = "--max-txn-ops", paramLabel = "N", defaultValue = "128",
      description = "Maximum number of operations permitted in a transaction (default: ${DEFAULT-VALUE}).")
  int maxTxnOps;

  @Option(names = "--max-concurrent-streams", paramLabel = "N", defaultValue = "4294967295",
      description = "Maximum concurrent streams that each client can open at a time (default: ${DEFAULT-VALUE}).")
  long maxConcurrentStreams;

  // the fake's own: etcd runs each call on a goroutine, so it has no such flag
  @Option(names = "--fake-executor-threads", paramLabel = "N",
      description = "Threads that run calls; waiting calls hold none (default: two per core, at least 4).")
  Integer executorThreads;

  @Spec CommandSpec spec;

  private final AtomicReference<EtcdFakeServer> running = new AtomicReference<>();
  private final CountDownLatch stopped = new CountDownLatch(1);

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Parses the flags and serves until the process is told to stop; answers the exit code. */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, System.getenv(), out, err);
  }

  /** As {@link #run(String[], PrintWriter, PrintWriter)}, with the environment ETCD_* variables come from. */
  static int run(String[] args, java.util.Map<String, String> env, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    EtcdFlags.acceptIgnored(cli.getCommandSpec());
    EtcdFlags.Environment environment = new EtcdFlags.Environment(env);
    cli.setDefaultValueProvider(environment);
    cli.setExecutionStrategy(parsed -> {
      environment.warn(cli, err);
      return new CommandLine.RunLast().execute(parsed);
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    EtcdFakeServer.Builder builder = EtcdFakeServer.builder().name(name);
    if (maxRequestBytes <= 0 || maxTxnOps <= 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--max-request-bytes and --max-txn-ops must be positive");
    }
    try {
      builder.maxRequestBytes(maxRequestBytes).maxTxnOps(maxTxnOps).maxConcurrentStreams(maxConcurrentStreams);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--max-concurrent-streams: " + e.getMessage());
    }
    if (executorThreads != null) {
      try {
        builder.executorThreads(executorThreads);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--fake-executor-threads: " + e.getMessage());
      }
    }
    try {
      builder.progressNotifyInterval(progressNotifyInterval);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--experimental-watch-progress-notify-interval: " + e.getMessage());
    }
    try {
      builder.listenClientUrls(listenClientUrls);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--listen-client-urls: " + e.getMessage());
    }
    if (advertiseClientUrls != null) {
      builder.advertiseClientUrls(advertiseClientUrls);
    }
    etcdFlags.applyTo(builder, name, spec.commandLine(), spec.commandLine().getErr());
    configureAuth(builder);
    EtcdFakeServer built;
    try {
      built = builder.build();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    EtcdFakeServer server = built.start();
    running.set(server);
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "etcd-fake-shutdown"));
    System.out.println("etcd-fake " + Version.version() + " ready to serve client requests on "
        + String.join(",", server.clientEndpoints().stream().map(URI::toString).toList()));
    System.out.flush();
    stopped.await();
    return 0;
  }

  private void configureAuth(EtcdFakeServer.Builder builder) {
    // etcd's value is the type, then comma-separated options ("simple", "jwt,pub-key=...")
    if (!authToken.split(",", -1)[0].equals("simple")) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--auth-token: etcd-fake supports only simple tokens, not '" + authToken + "'");
    }
    try {
      builder.bcryptCost(bcryptCost).authTokenTtl(java.time.Duration.ofSeconds(authTokenTtlSeconds));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (authRootPassword != null) {
      builder.authRootPassword(authRootPassword);
    }
  }

  private void stop() {
    EtcdFakeServer server = running.getAndSet(null);
    if (server != null) {
      server.close();
      System.err.println("etcd-fake stopped");
    }
    stopped.countDown();
  }

  /** The version baked into the jar at build time. */
  static final class Version implements CommandLine.IVersionProvider {
    static String version() {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // fall through to "unknown"
      }
      return p.getProperty("version", "unknown");
    }

    @Override
    public String[] getVersion() {
      return new String[] {"etcd-fake " + version(), "etcd API: 3.5"};
    }
  }
}
