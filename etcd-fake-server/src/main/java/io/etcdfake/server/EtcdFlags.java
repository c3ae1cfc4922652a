package io.etcdfake.server;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The rest of etcd's command line, so that a script or compose file that starts etcd can start the
 * fake instead: TLS, cluster identity, limits and quota are honoured; flags about disks, peers,
 * logging and tuning are accepted and each named once on stderr as having no effect here.
 */
final class EtcdFlags {
  // honoured
  @Option(names = "--initial-advertise-peer-urls", split = ",", paramLabel = "URL",
      description = "This member's peer URLs; with the name and cluster token they fix the member and cluster ids.")
  List<URI> initialAdvertisePeerUrls;

  @Option(names = "--initial-cluster", paramLabel = "NAME=URL,...",
      description = "Initial cluster configuration; only this member's entry is used (the fake is a one-member cluster).")
  String initialCluster;

  @Option(names = "--initial-cluster-token", paramLabel = "TOKEN", defaultValue = MemberIdentity.DEFAULT_CLUSTER_TOKEN,
      description = "Initial cluster token (default: ${DEFAULT-VALUE}).")
  String initialClusterToken;

  @Option(names = "--quota-backend-bytes", paramLabel = "BYTES",
      description = "Raise the NOSPACE alarm when the estimated database size would pass this (default: 0, 2 GiB; negative: no quota).")
  long quotaBackendBytes;

  @Option(names = "--cert-file", paramLabel = "FILE", description = "Client server TLS certificate file (PEM).")
  Path certFile;

  @Option(names = "--key-file", paramLabel = "FILE", description = "Client server TLS key file (PEM).")
  Path keyFile;

  @Option(names = "--trusted-ca-file", paramLabel = "FILE", description = "CA that signs the client certificates.")
  Path trustedCaFile;

  @Option(names = "--client-cert-auth", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      description = "Require client certificates signed by --trusted-ca-file.")
  boolean clientCertAuth;

  @Option(names = "--auto-tls", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      description = "Serve https listen URLs with a certificate from a generated CA.")
  boolean autoTls;

  @Option(names = "--etcd-version", paramLabel = "VERSION", defaultValue = io.etcdfake.server.maintenance.Maintenance.DEFAULT_VERSION,
      description = "etcd-fake's own: the version Status reports (default: ${DEFAULT-VALUE}).")
  String etcdVersion;

  /** etcd's flags that are accepted and have no effect here (added to the command by {@link #acceptIgnored}). */
  static final List<String> IGNORED = List.of("--data-dir", "--wal-dir", "--listen-peer-urls", "--initial-cluster-state",
      "--auto-compaction-mode", "--auto-compaction-retention", "--peer-cert-file", "--peer-key-file",
      "--peer-trusted-ca-file", "--peer-client-cert-auth", "--peer-auto-tls", "--log-level", "--logger",
      "--log-outputs", "--enable-v2", "--heartbeat-interval", "--election-timeout", "--snapshot-count",
      "--listen-metrics-urls", "--metrics", "--enable-pprof", "--strict-reconfig-check", "--force-new-cluster",
      "--grpc-keepalive-min-time", "--grpc-keepalive-interval", "--grpc-keepalive-timeout", "--max-snapshots",
      "--max-wals", "--backend-batch-interval", "--backend-batch-limit", "--cipher-suites", "--tls-min-version",
      "--discovery", "--discovery-srv", "--proxy", "--debug");

  /** Adds the ignored flags to a command line, hidden from its help, each taking an optional value. */
  static void acceptIgnored(CommandLine.Model.CommandSpec spec) {
    for (String flag : IGNORED) {
      spec.addOption(OptionSpec.builder(flag).type(String.class).arity("0..1").fallbackValue("true").hidden(true).build());
    }
  }

  private static final Map<String, String> WHY_IGNORED = Map.of(
      "--data-dir", "everything is kept in memory",
      "--wal-dir", "everything is kept in memory",
      "--auto-compaction-mode", "the fake does not compact by itself; compact through the KV API",
      "--auto-compaction-retention", "the fake does not compact by itself; compact through the KV API",
      "--initial-cluster-state", "the fake always starts a new one-member cluster");

  /** Hands the honoured flags to the builder; names each ignored one on {@code warn}. */
  void applyTo(EtcdFakeServer.Builder b, String name, CommandLine cli, PrintWriter warn) {
    List<URI> peers = initialAdvertisePeerUrls;
    if (initialCluster != null) {
      Map<String, List<URI>> members = parseCluster(cli, initialCluster);
      if (peers == null && members.containsKey(name)) {
        peers = members.get(name);
      }
      if (!members.containsKey(name)) {
        throw new CommandLine.ParameterException(cli, "--initial-cluster: couldn't find local name \"" + name
            + "\" in the initial cluster configuration");
      }
      if (members.size() > 1) {
        warn.println("etcd-fake: --initial-cluster names other members; the fake serves a one-member cluster of " + name);
      }
    }
    if (peers != null) {
      b.peerUrls(peers);
    }
    b.clusterToken(initialClusterToken);
    b.quotaBackendBytes(quotaBackendBytes);
    b.etcdVersion(etcdVersion);
    if (certFile != null || keyFile != null) {
      if (certFile == null || keyFile == null) {
        throw new CommandLine.ParameterException(cli, "--cert-file and --key-file go together");
      }
      b.tls(certFile, keyFile);
    }
    b.trustedCaFile(trustedCaFile).clientCertAuth(clientCertAuth).autoTls(autoTls && certFile == null);
    for (OptionSpec o : cli.getCommandSpec().options()) {
      // set on the command line or through its ETCD_* variable
      if (o.hidden() && IGNORED.contains(o.longestName()) && o.getValue() != null) {
        String flag = o.longestName();
        warn.println("etcd-fake: " + flag + " has no effect here: " + WHY_IGNORED.getOrDefault(flag, "accepted for compatibility with etcd"));
      }
    }
  }

  private static Map<String, List<URI>> parseCluster(CommandLine cli, String spec) {
    Map<String, List<URI>> members = new LinkedHashMap<>();
    for (String entry : spec.split(",")) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new CommandLine.ParameterException(cli, "--initial-cluster: expected NAME=URL, got \"" + entry + "\"");
      }
      members.computeIfAbsent(entry.substring(0, eq).trim(), k -> new ArrayList<>()).add(URI.create(entry.substring(eq + 1).trim()));
    }
    return members;
  }

  /**
   * etcd's environment: every flag --foo-bar may be given as ETCD_FOO_BAR; a flag on the command
   * line wins over its variable.
   */
  static final class Environment implements CommandLine.IDefaultValueProvider {
    private static final Set<String> NOT_FROM_ENVIRONMENT = Set.of("--help", "--version");
    private final Map<String, String> env;

    Environment(Map<String, String> env) {
      this.env = env;
    }

    static String variable(String flag) {
      return "ETCD_" + flag.substring(2).toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    @Override
    public String defaultValue(ArgSpec arg) {
      if (arg instanceof OptionSpec o && o.longestName().startsWith("--") && !NOT_FROM_ENVIRONMENT.contains(o.longestName())) {
        return env.get(variable(o.longestName()));
      }
      return null;
    }

    /** etcd's warnings about variables it does not know and ones a flag overrides. */
    void warn(CommandLine cli, PrintWriter warn) {
      Set<String> known = new java.util.HashSet<>();
      for (OptionSpec o : cli.getCommandSpec().options()) {
        for (String n : o.names()) {
          if (n.startsWith("--")) {
            known.add(variable(n));
          }
        }
      }
      for (String key : new java.util.TreeSet<>(env.keySet())) {
        if (key.startsWith("ETCD_") && !known.contains(key)) {
          warn.println("etcd-fake: unrecognized environment variable " + key + "=" + env.get(key));
        }
      }
      for (OptionSpec o : cli.getParseResult().matchedOptions()) {
        if (o.longestName().startsWith("--") && env.containsKey(variable(o.longestName()))) {
          warn.println("etcd-fake: environment variable " + variable(o.longestName())
              + " is shadowed by the command-line flag " + o.longestName());
        }
      }
    }
  }
}
