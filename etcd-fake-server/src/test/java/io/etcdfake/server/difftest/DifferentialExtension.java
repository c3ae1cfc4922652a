package io.etcdfake.server.difftest;

import io.etcdfake.server.EtcdFakeServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Runs each test of a {@link Differential} class against the fake (in-process, one for the whole
 * run) and a real etcd, both brought to an empty keyspace first; hands the test its {@link Scenario}.
 */
public final class DifferentialExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
  public static final String PROPERTY = "etcd.reference.endpoint";
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(DifferentialExtension.class);

  /** The fake and the reference, opened once per test run. */
  private record Pair(EtcdFakeServer server, Side fake, Side reference) implements ExtensionContext.Store.CloseableResource {
    static Pair open(URI endpoint) {
      try {
        EtcdFakeServer server = EtcdFakeServer.builder().build().start();
        return new Pair(server, Side.fake(server), Side.reference(endpoint));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      fake.close();
      reference.close();
      server.close();
    }
  }

  /** The reference endpoint, or null when none was given. */
  public static URI referenceEndpoint() {
    String endpoint = System.getProperty(PROPERTY, "").trim();
    return endpoint.isEmpty() ? null : URI.create(endpoint);
  }

  /** Checked per test rather than per class, so that each skipped test shows the reason in reports. */
  private static void requireReference() {
    Assumptions.assumeTrue(referenceEndpoint() != null,
        "differential test skipped: no real etcd to compare with; give one with -D" + PROPERTY
            + "=http://127.0.0.1:12379");
  }

  private static Pair pair(ExtensionContext context) {
    return context.getRoot().getStore(NS)
        .getOrComputeIfAbsent(Pair.class, k -> Pair.open(referenceEndpoint()), Pair.class);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    requireReference();
    Pair pair = pair(context);
    pair.fake().reset();
    pair.reference().reset();
    context.getStore(NS).put(Scenario.class, new Scenario(pair.fake(), pair.reference(), context));
  }

  /** Leaves the real etcd with auth off, for whatever else the run points at it (etcdctl tests). */
  @Override
  public void afterEach(ExtensionContext context) {
    Scenario s = context.getStore(NS).get(Scenario.class, Scenario.class);
    if (s != null) {
      s.reference().resetAuth();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Scenario.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getStore(NS).get(Scenario.class, Scenario.class);
  }
}
