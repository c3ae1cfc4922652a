package io.etcdfake.server;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Go's time.ParseDuration syntax, as etcd's duration flags take it: "10m", "1h30m", "1.5s", "300ms". */
final class GoDuration implements CommandLine.ITypeConverter<Duration> {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
  private static final Map<String, Long> NANOS = Map.of(
      "ns", 1L, "us", 1_000L, "µs", 1_000L, "μs", 1_000L, "ms", 1_000_000L,
      "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

  @Override
  public Duration convert(String text) {
    return parse(text);
  }

  static Duration parse(String text) {
    String s = text.startsWith("+") ? text.substring(1) : text;
    boolean negative = s.startsWith("-");
    if (negative) {
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(s);
    int at = 0;
    java.math.BigDecimal nanos = java.math.BigDecimal.ZERO;
    while (at < s.length() && m.find(at) && m.start() == at) {
      nanos = nanos.add(new java.math.BigDecimal(m.group(1)).multiply(java.math.BigDecimal.valueOf(NANOS.get(m.group(2)))));
      at = m.end();
    }
    if (s.isEmpty() || at != s.length()) {
      throw new CommandLine.TypeConversionException("time: invalid duration \"" + text + "\"");
    }
    long n = nanos.longValue();
    return Duration.ofNanos(negative ? -n : n);
  }
}
