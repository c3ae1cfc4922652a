package io.etcdfake.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.skippedWithReason;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.etcd.jetcd.Client;
import io.etcdfake.server.EtcdFakeServer;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The extension's lifecycle, run through JUnit's own engine: who starts and closes what, skips
 * against a real etcd, parameter resolution failures, and classes in parallel.
 */
class ExtensionLifecycleTest {

  private static Events run(Class<?>... classes) {
    var request = EngineTestKit.engine("junit-jupiter").configurationParameter(OnlyInTestKit.PARAMETER, "true");
    for (Class<?> c : classes) {
      request.selectors(selectClass(c));
    }
    return request.execute().testEvents();
  }

  // ---------------------------------------------------------------- fixtures (run only through EngineTestKit)

  @ExtendWith(OnlyInTestKit.class)
  @ExtendWith(EtcdFakeExtension.class)
  static class PerClassFixture {
    static final List<EtcdFakeServer> seen = new CopyOnWriteArrayList<>();

    @Test
    void a(EtcdFakeServer server) {
      seen.add(server);
    }

    @Test
    void b(EtcdFakeServer server) {
      seen.add(server);
    }
  }

  @ExtendWith(OnlyInTestKit.class)
  static class PerTestFixture {
    static final List<EtcdFakeServer> seen = new CopyOnWriteArrayList<>();

    @RegisterExtension
    EtcdFakeExtension etcd = EtcdFakeExtension.builder().build();

    @Test
    void a(EtcdFakeServer server) {
      seen.add(server);
      assertThat(etcd.server()).isSameAs(server);
    }

    @Test
    void b(EtcdFakeServer server) {
      seen.add(server);
    }
  }

  @ExtendWith(OnlyInTestKit.class)
  static class ConstructorWithPerTestFixture {
    @RegisterExtension
    EtcdFakeExtension etcd = EtcdFakeExtension.builder().build();

    ConstructorWithPerTestFixture(Client client) {}

    @Test
    void t() {}
  }

  @ExtendWith(OnlyInTestKit.class)
  @ExtendWith(EtcdFakeExtension.class)
  static class NeedsTheFakeFixture {
    static volatile boolean ranWithClient;

    @Test
    void byParameter(EtcdFakeServer server) {}

    @Test
    void byClientOnly(Client client) throws Exception {
      Kv.put(client, "k", "v");
      ranWithClient = true;
    }
  }

  @ExtendWith(OnlyInTestKit.class)
  static class ServerCallFixture {
    @RegisterExtension
    static EtcdFakeExtension etcd = EtcdFakeExtension.builder().build();

    @Test
    void callsServer() {
      etcd.server().faults();
    }
  }

  @ExtendWith(OnlyInTestKit.class)
  @ExtendWith(EtcdFakeExtension.class)
  static class LifecycleNeedsTheFakeFixture {
    @BeforeEach
    void setUp(EtcdFakeServer server) {}

    @Test
    void t() {}
  }

  /** Two of these run at once, each must see only its own etcd. */
  @ExtendWith(OnlyInTestKit.class)
  @ExtendWith(EtcdFakeExtension.class)
  static class ParallelFixtureA {
    static final CountDownLatch bothRunning = new CountDownLatch(2);
    static final Set<URI> endpoints = ConcurrentHashMap.newKeySet();

    @Test
    void t(Client client, List<URI> uris) throws Exception {
      endpoints.addAll(uris);
      Kv.put(client, "owner", getClass().getSimpleName());
      bothRunning.countDown();
      // both classes are inside a test now, so the two etcds are up at the same time
      assertThat(bothRunning.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(Kv.get(client, "owner")).isEqualTo(getClass().getSimpleName());
    }
  }

  @ExtendWith(OnlyInTestKit.class)
  @ExtendWith(EtcdFakeExtension.class)
  static class ParallelFixtureB extends ParallelFixtureA {}

  @ExtendWith(OnlyInTestKit.class)
  static class BuilderOptionsFixture {
    static volatile EtcdFakeServer seen;

    @RegisterExtension
    static EtcdFakeExtension etcd = EtcdFakeExtension.builder()
        .manualClock()
        .progressNotifyInterval(java.time.Duration.ofSeconds(3))
        .name("infra")
        .maxTxnOps(5)
        .configureServer(b -> b.raftTerm(7))
        .build();

    @Test
    void t() {
      seen = etcd.server();
    }
  }

  // ---------------------------------------------------------------- tests

  @AfterEach
  void forgetFixtures() {
    PerClassFixture.seen.clear();
    PerTestFixture.seen.clear();
  }

  @Test
  void extendWithStartsOneFakePerClassAndClosesItAfterTheClass() {
    assumeFalse(EtcdFakeExtension.runsAgainstRealEtcd(), "counts fakes");
    run(PerClassFixture.class).assertStatistics(s -> s.started(2).succeeded(2));
    assertThat(PerClassFixture.seen).hasSize(2);
    assertThat(PerClassFixture.seen.get(0)).isSameAs(PerClassFixture.seen.get(1));
    assertThat(PerClassFixture.seen.get(0).isRunning()).isFalse();
  }

  @Test
  void anInstanceFieldStartsOneFakePerTestAndClosesIt() {
    assumeFalse(EtcdFakeExtension.runsAgainstRealEtcd(), "counts fakes");
    run(PerTestFixture.class).assertStatistics(s -> s.started(2).succeeded(2));
    assertThat(PerTestFixture.seen).hasSize(2);
    assertThat(PerTestFixture.seen.get(0)).isNotSameAs(PerTestFixture.seen.get(1));
    assertThat(PerTestFixture.seen).noneMatch(EtcdFakeServer::isRunning);
  }

  @Test
  void builderOptionsReachTheServer() {
    assumeFalse(EtcdFakeExtension.runsAgainstRealEtcd(), "looks at the fake");
    run(BuilderOptionsFixture.class).assertStatistics(s -> s.succeeded(1));
    EtcdFakeServer server = BuilderOptionsFixture.seen;
    assertThat(server.clock()).isInstanceOf(io.etcdfake.server.lease.ManualClock.class);
    assertThat(server.watchHub().progressNotifyInterval()).isEqualTo(java.time.Duration.ofSeconds(3));
    assertThat(server.identity().name()).isEqualTo("infra");
    assertThat(server.identity().raftTerm()).isEqualTo(7);
  }

  @Test
  void aConstructorCannotGetAPerTestEtcd() {
    // the field's extension exists only once the instance does: JUnit itself says no resolver is there
    run(ConstructorWithPerTestFixture.class).assertThatEvents().haveExactly(1,
        event(test("t"), finishedWithFailure(instanceOf(ParameterResolutionException.class),
            message(m -> m.contains("No ParameterResolver registered for parameter [io.etcd.jetcd.Client")))));
  }

  @Test
  void againstARealEtcdTestsNeedingTheFakeAreSkippedWithTheReason() throws Exception {
    // a fake plays the real etcd here, unless a real one is given
    try (EtcdFakeServer standIn = EtcdFakeServer.builder().build().start()) {
      String before = System.getProperty(EtcdFakeExtension.ENDPOINTS_PROPERTY);
      String real = EtcdFakeExtension.runsAgainstRealEtcd() ? before : standIn.clientEndpoints().get(0).toString();
      System.setProperty(EtcdFakeExtension.ENDPOINTS_PROPERTY, real);
      try {
        NeedsTheFakeFixture.ranWithClient = false;
        Events events = run(NeedsTheFakeFixture.class, ServerCallFixture.class, LifecycleNeedsTheFakeFixture.class);
        events.assertStatistics(s -> s.failed(0));
        events.assertThatEvents()
            .haveExactly(1, event(test("byParameter"), skippedWithReason(r ->
                r.contains("byParameter(EtcdFakeServer) needs etcd-fake's test powers")
                    && r.contains("running against the real etcd at [" + real + "]"))))
            .haveExactly(1, event(test("callsServer"), org.junit.platform.testkit.engine.EventConditions.abortedWithReason(
                message(m -> m.contains("EtcdFakeExtension.server() needs etcd-fake's test powers")))));
        assertThat(NeedsTheFakeFixture.ranWithClient).isTrue();
        // a lifecycle method that needs the fake skips the whole class
        run(LifecycleNeedsTheFakeFixture.class).assertStatistics(s -> s.started(0).failed(0));
      } finally {
        if (before == null) {
          System.clearProperty(EtcdFakeExtension.ENDPOINTS_PROPERTY);
        } else {
          System.setProperty(EtcdFakeExtension.ENDPOINTS_PROPERTY, before);
        }
      }
    }
  }

  @Test
  void classesInParallelEachGetTheirOwnFake() {
    assumeFalse(EtcdFakeExtension.runsAgainstRealEtcd(), "a real etcd is one keyspace for all classes");
    Events events = EngineTestKit.engine("junit-jupiter")
        .configurationParameter(OnlyInTestKit.PARAMETER, "true")
        .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
        .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
        .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
        .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "2")
        .selectors(selectClass(ParallelFixtureA.class), selectClass(ParallelFixtureB.class))
        .execute()
        .testEvents();
    events.assertStatistics(s -> s.started(2).succeeded(2));
    assertThat(ParallelFixtureA.endpoints).hasSize(2);
  }
}
