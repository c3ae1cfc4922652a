package io.etcdfake.junit;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcdfake.server.EtcdFakeServer;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;

/**
 * JUnit 5 extension that starts an etcd-fake for tests and hands out a jetcd {@link Client} to it.
 * Three ways to use it:
 *
 * <pre>{@code
 * @ExtendWith(EtcdFakeExtension.class)           // or @EtcdFake(...) to configure it
 * class A { @Test void t(Client client) { ... } }
 *
 * class B {
 *   @RegisterExtension static EtcdFakeExtension etcd = EtcdFakeExtension.builder().build();  // one per class
 *   @Test void t() { etcd.client()... }
 * }
 *
 * class C {
 *   @RegisterExtension EtcdFakeExtension etcd = EtcdFakeExtension.builder().build();  // one per test
 * }
 * }</pre>
 *
 * Parameters of type {@link Client}, {@link EtcdFakeServer} and {@code List<URI>} (the client
 * endpoints) are injected into constructors, lifecycle and test methods. The store is emptied
 * before each test unless {@code resetBetweenTests(false)}.
 *
 * <p>With system property {@value #ENDPOINTS_PROPERTY} (or env {@value #ENDPOINTS_ENV}) set to a
 * real etcd's URLs, no fake is started: the client goes to that etcd and "reset" deletes every key.
 * Tests that need the fake itself ({@link EtcdFakeServer} parameters, {@link #server()}) are then
 * skipped with the reason, never failed.
 */
public final class EtcdFakeExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver, ExecutionCondition {
  /** System property naming a real etcd (comma-separated URLs) to run the tests against instead. */
  public static final String ENDPOINTS_PROPERTY = "etcd.endpoints";

  /** Environment variable read when the system property is not set. */
  public static final String ENDPOINTS_ENV = "ETCD_ENDPOINTS";

  private static final String SESSION = "session";

  /** null for @ExtendWith / @EtcdFake: the settings come from the test class's annotation. */
  private final Settings configured;

  private volatile EtcdSession current;

  /** For {@code @ExtendWith(EtcdFakeExtension.class)}: configured by {@link EtcdFake} if present. */
  public EtcdFakeExtension() {
    this.configured = null;
  }

  private EtcdFakeExtension(Settings settings) {
    this.configured = settings;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** True when the tests run against a real etcd ({@value #ENDPOINTS_PROPERTY} is set). */
  public static boolean runsAgainstRealEtcd() {
    return !RealEtcd.endpoints().isEmpty();
  }

  // ---------------------------------------------------------------- for tests

  /** The client to the etcd of the current test; closed by the extension. */
  public Client client() {
    return session().client();
  }

  /**
   * The fake itself, for its test powers (faults, restart, store). Against a real etcd the calling
   * test is skipped (a JUnit assumption), since no fake is there.
   */
  public EtcdFakeServer server() {
    EtcdSession s = session();
    if (!s.isFake()) {
      return Assumptions.abort(RealEtcd.skipReason("EtcdFakeExtension.server()"));
    }
    return s.server();
  }

  /** Where the client connects, as jetcd-test's {@code clientEndpoints()}. */
  public List<URI> clientEndpoints() {
    return session().endpoints();
  }

  /** Whether this extension runs a fake (false against a real etcd). */
  public boolean isFake() {
    return session().isFake();
  }

  /** Empties etcd now (and writes the configured seed again), as between tests. */
  public void reset() {
    EtcdSession s = session();
    s.reset(Thread.currentThread().getContextClassLoader());
  }

  /** Writes these keys and values through the client, in as few revisions as etcd allows. */
  public void seed(Map<String, String> data) {
    EtcdSeed.apply(client(), data);
  }

  private EtcdSession session() {
    EtcdSession s = current;
    if (s == null) {
      throw new IllegalStateException("no etcd yet: register this extension with @RegisterExtension and use it"
          + " from a test or lifecycle method");
    }
    return s;
  }

  // ---------------------------------------------------------------- JUnit callbacks

  @Override
  public void beforeAll(ExtensionContext context) {
    EtcdSession s = find(context);
    if (s == null) {
      s = open(context);
    }
    current = s;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    EtcdSession s = find(context);
    if (s == null) {
      // registered on an instance field: beforeAll never ran, so this test gets its own etcd
      current = open(context);
      return;
    }
    current = s;
    if (s.settings().resetBetweenTests()) {
      s.reset(loader(context));
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return isInjected(parameter.getParameter());
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    EtcdSession s = find(context);
    if (s == null) {
      throw new ParameterResolutionException("no etcd is running for " + parameter.getDeclaringExecutable()
          + ": an EtcdFakeExtension on an instance field starts only for each test, after the constructor");
    }
    Class<?> type = parameter.getParameter().getType();
    if (type == Client.class) {
      return s.client();
    }
    if (type == EtcdFakeServer.class) {
      if (!s.isFake()) {
        throw new ParameterResolutionException(RealEtcd.skipReason(parameter.getDeclaringExecutable().toString()));
      }
      return s.server();
    }
    return s.endpoints();
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (!runsAgainstRealEtcd()) {
      return ConditionEvaluationResult.enabled("etcd-fake");
    }
    Optional<Method> method = context.getTestMethod();
    if (method.isPresent()) {
      return needsServer(method.get())
          ? ConditionEvaluationResult.disabled(RealEtcd.skipReason(describe(method.get())))
          : ConditionEvaluationResult.enabled("no EtcdFakeServer parameter");
    }
    Optional<Class<?>> testClass = context.getTestClass();
    if (testClass.isPresent()) {
      for (Executable e : lifecycleOf(testClass.get())) {
        if (needsServer(e)) {
          return ConditionEvaluationResult.disabled(RealEtcd.skipReason(describe(e)));
        }
      }
    }
    return ConditionEvaluationResult.enabled("no EtcdFakeServer parameter");
  }

  // ---------------------------------------------------------------- internals

  private ExtensionContext.Namespace namespace() {
    return ExtensionContext.Namespace.create(EtcdFakeExtension.class, this);
  }

  /** The session of this extension in this context or an enclosing one (nested classes share it). */
  private EtcdSession find(ExtensionContext context) {
    return context.getStore(namespace()).get(SESSION, EtcdSession.class);
  }

  private EtcdSession open(ExtensionContext context) {
    Settings settings = configured != null ? configured : fromAnnotation(context);
    EtcdSession s = EtcdSession.open(settings, loader(context));
    // closed by JUnit when this context ends: after the class, or after the test for per-test ones
    context.getStore(namespace()).put(SESSION, s);
    return s;
  }

  private static Settings fromAnnotation(ExtensionContext context) {
    Optional<EtcdFake> found = context.getTestClass().flatMap(c -> AnnotationSupport.findAnnotation(c, EtcdFake.class));
    if (found.isEmpty()) {
      return builder().settings();
    }
    EtcdFake a = found.get();
    Builder b = builder()
        .resetBetweenTests(a.resetBetweenTests())
        .name(a.name())
        .maxTxnOps(a.maxTxnOps())
        .maxRequestBytes(a.maxRequestBytes());
    if (a.port() != 0) {
      b.port(a.port());
    }
    if (a.manualClock()) {
      b.manualClock();
    }
    if (a.progressNotifyIntervalMillis() > 0) {
      b.progressNotifyInterval(Duration.ofMillis(a.progressNotifyIntervalMillis()));
    }
    for (String location : a.seed()) {
      b.seedFrom(location);
    }
    return b.settings();
  }

  private static ClassLoader loader(ExtensionContext context) {
    return context.getTestClass().map(Class::getClassLoader).orElse(Thread.currentThread().getContextClassLoader());
  }

  private static boolean isInjected(Parameter p) {
    Class<?> type = p.getType();
    if (type == Client.class || type == EtcdFakeServer.class) {
      return true;
    }
    if (type == List.class && p.getParameterizedType() instanceof ParameterizedType pt) {
      Type[] args = pt.getActualTypeArguments();
      return args.length == 1 && args[0] == URI.class;
    }
    return false;
  }

  private static boolean needsServer(Executable e) {
    for (Class<?> t : e.getParameterTypes()) {
      if (t == EtcdFakeServer.class) {
        return true;
      }
    }
    return false;
  }

  private static List<Executable> lifecycleOf(Class<?> testClass) {
    List<Executable> out = new ArrayList<>(List.of(testClass.getDeclaredConstructors()));
    for (Class<? extends java.lang.annotation.Annotation> a : List.of(BeforeAll.class, BeforeEach.class, AfterEach.class, AfterAll.class)) {
      out.addAll(AnnotationSupport.findAnnotatedMethods(testClass, a, HierarchyTraversalMode.TOP_DOWN));
    }
    return out;
  }

  private static String describe(Executable e) {
    String owner = e.getDeclaringClass().getSimpleName();
    return e instanceof Constructor<?> ? "the constructor of " + owner : owner + "." + e.getName() + "(EtcdFakeServer)";
  }

  /** What the builder or the annotation configured. */
  record Settings(
      boolean resetBetweenTests,
      Consumer<EtcdFakeServer.Builder> serverCustomizer,
      Consumer<ClientBuilder> clientCustomizer,
      Map<String, String> seed,
      List<String> seedLocations) {

    /** The seed files in order, then the seed map: later entries win. */
    Map<String, String> seedData(ClassLoader loader) {
      Map<String, String> out = new LinkedHashMap<>();
      for (String location : seedLocations) {
        out.putAll(EtcdSeed.load(location, loader));
      }
      out.putAll(seed);
      return out;
    }
  }

  /**
   * Configuration of an {@link EtcdFakeExtension}: the server's own options (as
   * {@link EtcdFakeServer.Builder} has them), the seed, and whether to reset between tests.
   */
  public static final class Builder {
    private boolean resetBetweenTests = true;
    private final List<Consumer<EtcdFakeServer.Builder>> server = new ArrayList<>();
    private final List<Consumer<ClientBuilder>> client = new ArrayList<>();
    private final Map<String, String> seed = new LinkedHashMap<>();
    private final List<String> seedLocations = new ArrayList<>();

    private Builder() {}

    /** Empty the store before each test (default true); false keeps one state across the tests. */
    public Builder resetBetweenTests(boolean reset) {
      this.resetBetweenTests = reset;
      return this;
    }

    /** Listen on 127.0.0.1 at this port; 0 (the default) picks a free one. */
    public Builder port(int port) {
      return configureServer(b -> b.port(port));
    }

    /** etcd's --listen-client-urls. */
    public Builder listenClientUrls(List<URI> urls) {
      return configureServer(b -> b.listenClientUrls(urls));
    }

    /** etcd's --advertise-client-urls: what {@code clientEndpoints()} and the client use. */
    public Builder advertiseClientUrls(List<URI> urls) {
      return configureServer(b -> b.advertiseClientUrls(urls));
    }

    /** etcd's --name. */
    public Builder name(String name) {
      Objects.requireNonNull(name);
      return configureServer(b -> b.name(name));
    }

    /** etcd's --initial-advertise-peer-urls. */
    public Builder peerUrls(List<URI> urls) {
      return configureServer(b -> b.peerUrls(urls));
    }

    /** etcd's --initial-cluster-token. */
    public Builder clusterToken(String token) {
      return configureServer(b -> b.clusterToken(token));
    }

    public Builder clusterId(long id) {
      return configureServer(b -> b.clusterId(id));
    }

    public Builder memberId(long id) {
      return configureServer(b -> b.memberId(id));
    }

    public Builder raftTerm(long term) {
      return configureServer(b -> b.raftTerm(term));
    }

    /** etcd's --max-txn-ops. */
    public Builder maxTxnOps(int n) {
      return configureServer(b -> b.maxTxnOps(n));
    }

    /** etcd's --max-request-bytes. */
    public Builder maxRequestBytes(int n) {
      return configureServer(b -> b.maxRequestBytes(n));
    }

    /**
     * Leases expire by a clock that stands still until the test moves it:
     * {@code etcd.server().clock().advance(Duration.ofSeconds(10))} expires what is due before it returns.
     * Each fake (each class, or each test for an instance field) gets its own.
     */
    public Builder manualClock() {
      return configureServer(EtcdFakeServer.Builder::manualClock);
    }

    /** etcd's --experimental-watch-progress-notify-interval: how often progress_notify watchers hear. */
    public Builder progressNotifyInterval(Duration interval) {
      Objects.requireNonNull(interval);
      return configureServer(b -> b.progressNotifyInterval(interval));
    }

    /** Any other server option, applied to the server's builder in the order given. */
    public Builder configureServer(Consumer<EtcdFakeServer.Builder> option) {
      server.add(Objects.requireNonNull(option));
      return this;
    }

    /** Options of the jetcd client the extension builds (endpoints are set already). */
    public Builder configureClient(Consumer<ClientBuilder> option) {
      client.add(Objects.requireNonNull(option));
      return this;
    }

    /** Keys and values written before each test (after each reset). */
    public Builder seed(Map<String, String> data) {
      seed.putAll(data);
      return this;
    }

    public Builder seed(String key, String value) {
      seed.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
      return this;
    }

    /** A {@code .properties} or {@code .json} file to seed from (see {@link EtcdSeed}). */
    public Builder seedFrom(Path file) {
      seedLocations.add(file.toString());
      return this;
    }

    /** A file path or classpath resource to seed from. */
    public Builder seedFrom(String location) {
      seedLocations.add(Objects.requireNonNull(location));
      return this;
    }

    public EtcdFakeExtension build() {
      return new EtcdFakeExtension(settings());
    }

    Settings settings() {
      List<Consumer<EtcdFakeServer.Builder>> serverOptions = List.copyOf(server);
      List<Consumer<ClientBuilder>> clientOptions = List.copyOf(client);
      return new Settings(
          resetBetweenTests,
          b -> serverOptions.forEach(o -> o.accept(b)),
          b -> clientOptions.forEach(o -> o.accept(b)),
          Collections.unmodifiableMap(new LinkedHashMap<>(seed)),
          List.copyOf(seedLocations));
    }
  }
}
