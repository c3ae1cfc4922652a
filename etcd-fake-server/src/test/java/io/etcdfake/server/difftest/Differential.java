package io.etcdfake.server.difftest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a class of differential scenarios: each test takes a {@link Scenario} parameter, and runs
 * only when a real etcd is given with {@code -Detcd.reference.endpoint=http://HOST:PORT}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(DifferentialExtension.class)
@Tag("differential")
public @interface Differential {}
