package io.liquidj.recipes.sweep;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One point of a sweep: its folder name and the configuration values that make it what it is.
 *
 * @param name the point's folder under {@code sweep.output-dir}, unique in its sweep
 * @param values configuration key (dotted, e.g. {@code data.reverse-ratio}) → value, in key order
 */
record SweepPoint(String name, SortedMap<String, ConfigValue> values) {
  SweepPoint {
    values = new TreeMap<>(values);
  }

  /** The points of a grid: every combination of the axes' values (the last key varies fastest). */
  static List<SweepPoint> grid(SortedMap<String, List<ConfigValue>> axes) {
    List<SortedMap<String, ConfigValue>> combinations = new ArrayList<>();
    combinations.add(new TreeMap<>());
    for (Map.Entry<String, List<ConfigValue>> axis : axes.entrySet()) {
      List<SortedMap<String, ConfigValue>> next = new ArrayList<>();
      for (SortedMap<String, ConfigValue> partial : combinations) {
        for (int i = 0; i < axis.getValue().size(); i++) {
          SortedMap<String, ConfigValue> more = new TreeMap<>(partial);
          more.put(axis.getKey(), axis.getValue().get(i));
          next.add(more);
        }
      }
      combinations = next;
    }
    return combinations.stream().map(v -> new SweepPoint(nameOf(v, axes), v)).toList();
  }

  /**
   * A readable folder name: each value in key order, joined by "_". A string is itself (a path: its last
   * part), a number or boolean is "{last key part}-{value}", a list or object is "{last key part}-{its
   * position on the axis}", e.g. {@code tiny-qwen2_reverse-ratio-0.2}.
   */
  static String nameOf(SortedMap<String, ConfigValue> values, SortedMap<String, List<ConfigValue>> axes) {
    List<String> parts = new ArrayList<>();
    values.forEach((key, value) -> {
      List<String> path = ConfigUtil.splitPath(key);
      String last = path.get(path.size() - 1);
      String part = switch (value.valueType()) {
        case STRING -> {
          String s = (String) value.unwrapped();
          yield s.contains("/") ? String.valueOf(java.nio.file.Path.of(s).getFileName()) : s;
        }
        case NUMBER, BOOLEAN, NULL -> last + "-" + value.unwrapped();
        case LIST, OBJECT -> last + "-" + (axes.getOrDefault(key, List.of(value)).indexOf(value) + 1);
      };
      parts.add(part);
    });
    String name = String.join("_", parts).replaceAll("[^A-Za-z0-9._+-]", "-");
    return name.isEmpty() ? "base" : name;
  }

  /** The point's values as {@code key=value} overrides (HOCON, as on the command line). */
  List<String> overrides() {
    List<String> out = new ArrayList<>();
    values.forEach((key, value) -> out.add(override(key, value)));
    return out;
  }

  /** One {@code key=value} override; {@code key} is dotted, its parts quoted where HOCON needs it. */
  static String override(String key, ConfigValue value) {
    return ConfigUtil.joinPath(ConfigUtil.splitPath(key)) + "=" + value.render(ConfigRenderOptions.concise());
  }

  /** The value of {@code key} as the results table shows it (strings unquoted), or "" when the point has none. */
  String display(String key) {
    ConfigValue value = values.get(key);
    if (value == null) {
      return "";
    }
    return value.valueType() == ConfigValueType.STRING ? (String) value.unwrapped()
        : value.render(ConfigRenderOptions.concise());
  }

  /** Keys of several points, in order of first appearance. */
  static List<String> keysOf(List<SweepPoint> points) {
    Map<String, Boolean> keys = new LinkedHashMap<>();
    points.forEach(p -> p.values().keySet().forEach(k -> keys.put(k, true)));
    return List.copyOf(keys.keySet());
  }
}
