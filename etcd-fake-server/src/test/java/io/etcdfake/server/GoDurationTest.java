package io.etcdfake.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Go's duration syntax for etcd's duration flags, and the watch progress flag that takes it. */
class GoDurationTest {

  @Test
  void parsesGoDurations() {
    assertThat(GoDuration.parse("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(GoDuration.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDuration.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(GoDuration.parse("300ms")).isEqualTo(Duration.ofMillis(300));
    assertThat(GoDuration.parse("2us")).isEqualTo(Duration.ofNanos(2000));
    assertThat(GoDuration.parse("0")).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> GoDuration.parse("10")).isInstanceOf(CommandLine.TypeConversionException.class)
        .hasMessage("time: invalid duration \"10\"");
    assertThatThrownBy(() -> GoDuration.parse("5 m")).isInstanceOf(CommandLine.TypeConversionException.class);
  }

  @Test
  void aBadProgressIntervalFlagIsAUsageError() {
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"--experimental-watch-progress-notify-interval=ten"},
        new PrintWriter(new StringWriter()), new PrintWriter(err));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("time: invalid duration \"ten\"");
  }
}
