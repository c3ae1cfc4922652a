package io.etcdfake.samples.config;

import java.util.Map;

/**
 * The typed configuration of a service, built from the keys under its prefix; a missing key
 * takes its default, so a fresh etcd gives a working config.
 */
public record AppConfig(String dbUrl, int poolSize, boolean darkMode) {
  public static final String DB_URL = "db/url";
  public static final String POOL_SIZE = "db/pool-size";
  public static final String DARK_MODE = "feature/dark-mode";

  public static AppConfig from(Map<String, String> keys) {
    return new AppConfig(
        keys.getOrDefault(DB_URL, "jdbc:h2:mem:default"),
        Integer.parseInt(keys.getOrDefault(POOL_SIZE, "10")),
        Boolean.parseBoolean(keys.getOrDefault(DARK_MODE, "false")));
  }
}
