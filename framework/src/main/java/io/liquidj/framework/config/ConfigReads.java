package io.liquidj.framework.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Small typed readers for settings records' {@code from(Config)} methods: each failure names the
 * full key, its origin (file:line) and the bad value.
 */
public final class ConfigReads {
  private ConfigReads() {}

  /** A finite value that must be &gt; 0 (NaN and Infinity are rejected). */
  public static double positive(Config c, String key) {
    double v = c.getDouble(key);
    if (!(v > 0) || Double.isInfinite(v)) {
      throw bad(c, key, "must be a finite number > 0, got " + v);
    }
    return v;
  }

  /** A finite value that must be &gt;= 0 (NaN and Infinity are rejected). */
  public static double nonNegative(Config c, String key) {
    double v = c.getDouble(key);
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw bad(c, key, "must be a finite number >= 0, got " + v);
    }
    return v;
  }

  /** An int that must be &gt; 0. */
  public static int positiveInt(Config c, String key) {
    int v = c.getInt(key);
    if (v <= 0) {
      throw bad(c, key, "must be a positive integer, got " + v);
    }
    return v;
  }

  /** An int that must be &gt;= 0. */
  public static int nonNegativeInt(Config c, String key) {
    int v = c.getInt(key);
    if (v < 0) {
      throw bad(c, key, "must be >= 0, got " + v);
    }
    return v;
  }

  /** A probability in [0, 1]. */
  public static double probability(Config c, String key) {
    double v = c.getDouble(key);
    if (!(v >= 0 && v <= 1)) {
      throw bad(c, key, "must be in [0, 1], got " + v);
    }
    return v;
  }

  /** One of the allowed words. */
  public static String oneOf(Config c, String key, String... allowed) {
    String v = c.getString(key);
    for (String a : allowed) {
      if (a.equals(v)) {
        return v;
      }
    }
    throw bad(c, key, "must be one of " + String.join(" | ", allowed) + ", got \"" + v + "\"");
  }

  /** An optional path: empty string or null means absent. */
  public static Optional<Path> optionalPath(Config c, String key) {
    if (!c.hasPath(key)) {
      return Optional.empty();
    }
    String v = c.getString(key).trim();
    return v.isEmpty() ? Optional.empty() : Optional.of(Path.of(v));
  }

  /** A BadValue naming the key (with the config's path prefix as origin shows it) and the reason. */
  public static ConfigException.BadValue bad(Config c, String key, String reason) {
    return new ConfigException.BadValue(c.getValue(key).origin(), key, reason);
  }
}
