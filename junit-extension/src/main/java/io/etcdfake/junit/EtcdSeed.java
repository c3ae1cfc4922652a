package io.etcdfake.junit;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Data to start tests from: loaded from a {@code .properties} file (key=value, in key order) or a
 * {@code .json} file (an object of keys to values; nested objects become keys joined with
 * {@code /}, values that are not strings are written as their JSON text), and written through a
 * client, so seeding works on the fake and on a real etcd alike.
 */
public final class EtcdSeed {
  /** etcd's default --max-txn-ops: seeds are written in txns of at most this many puts. */
  private static final int PUTS_PER_TXN = 128;

  private EtcdSeed() {}

  /** Reads a seed file; {@code .json} is read as JSON, anything else as Java properties (UTF-8). */
  public static Map<String, String> load(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return parse(file.getFileName().toString(), in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read etcd seed file " + file, e);
    }
  }

  /**
   * Resolves {@code location} as a file path if such a file exists, else as a resource of
   * {@code loader}, and reads it.
   */
  public static Map<String, String> load(String location, ClassLoader loader) {
    Path file = Path.of(location);
    if (Files.isRegularFile(file)) {
      return load(file);
    }
    String resource = location.startsWith("/") ? location.substring(1) : location;
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("etcd seed '" + location + "' is neither a file nor a classpath resource");
      }
      return parse(resource, in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read etcd seed resource " + location, e);
    }
  }

  /**
   * Writes every entry as a put, in txns of at most 128 puts (etcd's default limit); an etcd with a
   * lower --max-txn-ops gets smaller txns.
   */
  public static void apply(Client client, Map<String, String> data) {
    List<Op> puts = new ArrayList<>();
    for (Map.Entry<String, String> e : data.entrySet()) {
      puts.add(Op.put(bytes(e.getKey()), bytes(e.getValue()), PutOption.DEFAULT));
    }
    for (int i = 0; i < puts.size(); i += PUTS_PER_TXN) {
      commit(client, puts.subList(i, Math.min(puts.size(), i + PUTS_PER_TXN)));
    }
  }

  private static void commit(Client client, List<Op> puts) {
    try {
      client.getKVClient().txn().Then(puts.toArray(Op[]::new)).commit().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (puts.size() > 1 && String.valueOf(e.getCause().getMessage()).contains("too many operations in txn request")) {
        int half = puts.size() / 2;
        commit(client, puts.subList(0, half));
        commit(client, puts.subList(half, puts.size()));
        return;
      }
      throw new IllegalStateException("seeding etcd failed: " + e.getCause().getMessage(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("seeding etcd timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while seeding etcd", e);
    }
  }

  private static Map<String, String> parse(String name, InputStream in) throws IOException {
    Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
    if (name.endsWith(".json")) {
      JsonElement root;
      try {
        root = JsonParser.parseReader(reader);
      } catch (JsonParseException e) {
        throw new IllegalArgumentException("etcd seed " + name + " is not valid JSON: " + e.getMessage(), e);
      }
      if (!root.isJsonObject()) {
        throw new IllegalArgumentException("etcd seed " + name + " must be a JSON object of keys to values");
      }
      Map<String, String> out = new LinkedHashMap<>();
      flatten("", root.getAsJsonObject(), out);
      return out;
    }
    Properties p = new Properties();
    p.load(reader);
    Map<String, String> out = new TreeMap<>();
    for (String k : p.stringPropertyNames()) {
      out.put(k, p.getProperty(k));
    }
    return out;
  }

  private static void flatten(String prefix, JsonObject object, Map<String, String> out) {
    for (Map.Entry<String, JsonElement> e : object.entrySet()) {
      String key = prefix + e.getKey();
      JsonElement v = e.getValue();
      if (v.isJsonObject()) {
        flatten(key + "/", v.getAsJsonObject(), out);
      } else if (v.isJsonNull()) {
        throw new IllegalArgumentException("etcd seed value of '" + key + "' is null; etcd values are bytes");
      } else if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()) {
        out.put(key, v.getAsString());
      } else {
        out.put(key, v.toString());
      }
    }
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
