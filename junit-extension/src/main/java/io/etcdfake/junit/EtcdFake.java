package io.etcdfake.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class against its own etcd-fake, configured here instead of through
 * {@link EtcdFakeExtension#builder()}. Parameters of type {@code io.etcd.jetcd.Client},
 * {@code EtcdFakeServer} and {@code List<URI>} are injected.
 *
 * <p>Meta-annotatable: a team can declare {@code @EtcdFake(...) @interface OurEtcdTest {}} and put
 * {@code @OurEtcdTest} on its classes.
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(EtcdFakeExtension.class)
public @interface EtcdFake {
  /** Empty the store before each test (the default); false keeps one state across the class. */
  boolean resetBetweenTests() default true;

  /** The port to listen on; 0 (the default) picks a free one, so classes can run in parallel. */
  int port() default 0;

  /** etcd's --name; with the defaults it gives the member and cluster ids of a fresh etcd. */
  String name() default "default";

  /** etcd's --max-txn-ops. */
  int maxTxnOps() default 128;

  /** etcd's --max-request-bytes. */
  int maxRequestBytes() default 1536 * 1024;

  /**
   * Leases expire by a manual clock: {@code server.clock().advance(...)} moves it, nothing else does.
   */
  boolean manualClock() default false;

  /** etcd's --experimental-watch-progress-notify-interval in milliseconds; 0 keeps etcd's 10 minutes. */
  long progressNotifyIntervalMillis() default 0;

  /**
   * Data written before each test (after each reset): classpath resources or file paths of
   * {@code .properties} or {@code .json} files (see {@link EtcdSeed}).
   */
  String[] seed() default {};
}
