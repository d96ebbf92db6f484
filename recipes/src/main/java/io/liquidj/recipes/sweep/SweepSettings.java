package io.liquidj.recipes.sweep;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.liquidj.framework.config.ConfigReads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The {@code sweep} section of a sweep file, read and validated once.
 *
 * @param recipe the base recipe file every point starts from
 * @param outDir where the points' folders and the results go
 * @param points the points, in order (a grid of {@code sweep.axes} or the list {@code sweep.points})
 * @param axes the keys that vary, in order (the grid's axes, or every key the listed points set)
 * @param common {@code key=value} of every key the sweep file or command line sets outside {@code sweep}
 * @param evaluate {@code key=value} of {@code sweep.evaluate}: the held-out data of the evaluate stage
 */
record SweepSettings(Path recipe, Path outDir, List<SweepPoint> points, List<String> axes, List<String> common,
    List<String> evaluate) {

  SweepSettings {
    points = List.copyOf(points);
    axes = List.copyOf(axes);
    common = List.copyOf(common);
    evaluate = List.copyOf(evaluate);
  }

  static SweepSettings from(Config root) {
    Config c = root.getConfig("sweep");
    String recipeValue = c.getString("recipe").trim();
    if (recipeValue.isEmpty()) {
      throw ConfigReads.bad(root, "sweep.recipe", "needs the base recipe file every point starts from, e.g. "
          + "\"conf/recipes/demo-train.conf\"");
    }
    Path recipe = Path.of(recipeValue);
    if (!Files.isRegularFile(recipe)) {
      throw ConfigReads.bad(root, "sweep.recipe", "file " + recipe + " does not exist (paths are relative to the working "
          + "directory; run from the project root)");
    }
    if (c.getInt("parallel") != 1) {
      throw ConfigReads.bad(root, "sweep.parallel", "must be 1: points run one at a time (several devices are not scheduled"
          + " yet), got " + c.getInt("parallel"));
    }
    SortedMap<String, List<ConfigValue>> axes = axes(c);
    List<SweepPoint> points = listedPoints(root);
    if (!axes.isEmpty() && !points.isEmpty()) {
      throw ConfigReads.bad(root, "sweep.points", "give either sweep.axes (a grid) or sweep.points (a list), not both");
    }
    if (axes.isEmpty() && points.isEmpty()) {
      throw ConfigReads.bad(root, "sweep.axes", "a sweep needs sweep.axes { key = [values] } or sweep.points = [{ key = value }]");
    }
    String listing = points.isEmpty() ? "axes" : "points";
    if (points.isEmpty()) {
      points = SweepPoint.grid(axes);
    }
    Set<String> names = new HashSet<>();
    for (SweepPoint p : points) {
      if (!names.add(p.name())) {
        throw ConfigReads.bad(root, "sweep." + listing, "two points are both named \"" + p.name()
            + "\" (their folder); give listed points distinct names with name = \"...\"");
      }
    }
    return new SweepSettings(recipe, Path.of(c.getString("output-dir")), points,
        axes.isEmpty() ? SweepPoint.keysOf(points) : List.copyOf(axes.keySet()), common(root), flatten(c, "evaluate"));
  }

  /** {@code sweep.axes}: each key (dotted) with its non-empty list of values. */
  private static SortedMap<String, List<ConfigValue>> axes(Config c) {
    SortedMap<String, List<ConfigValue>> axes = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : c.getConfig("axes").entrySet()) {
      String key = dotted(e.getKey());
      if (!(e.getValue() instanceof ConfigList values) || values.isEmpty()) {
        throw new ConfigException.BadValue(e.getValue().origin(), "sweep.axes." + e.getKey(),
            "an axis is a non-empty list of values, e.g. [tiny-llama, tiny-qwen2]");
      }
      axes.put(key, List.copyOf(values));
    }
    return axes;
  }

  /** {@code sweep.points}: each object's keys (dotted) and values; its {@code name}, if given, names it. */
  private static List<SweepPoint> listedPoints(Config root) {
    Config c = root.getConfig("sweep");
    List<SweepPoint> points = new ArrayList<>();
    for (ConfigValue item : c.getList("points")) {
      if (!(item instanceof ConfigObject object)) {
        throw ConfigReads.bad(root, "sweep.points", "each point is an object of key = value, e.g. { backbone = tiny-llama }");
      }
      Config point = object.toConfig();
      SortedMap<String, ConfigValue> values = new TreeMap<>();
      for (Map.Entry<String, ConfigValue> e : point.entrySet()) {
        if (!e.getKey().equals("name")) {
          values.put(dotted(e.getKey()), e.getValue());
        }
      }
      String name = point.hasPath("name") ? point.getString("name") : SweepPoint.nameOf(values, new TreeMap<>());
      if (!name.matches("[A-Za-z0-9._+-]+")) {
        throw ConfigReads.bad(root, "sweep.points", "a point's name is its folder: letters, digits and . _ + - only, got \""
            + name + "\"");
      }
      points.add(new SweepPoint(name, values));
    }
    return points;
  }

  /**
   * Every key of the resolved configuration that the sweep file or the command line set outside {@code
   * sweep}, as {@code key=value}: values from a {@code reference.conf} come from a class-path resource,
   * the user's from a file or the command line.
   */
  private static List<String> common(Config root) {
    List<String> out = new ArrayList<>();
    root.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .filter(e -> !e.getKey().startsWith("sweep.") && e.getValue().origin().resource() == null)
        .forEach(e -> out.add(SweepPoint.override(dotted(e.getKey()), e.getValue())));
    return out;
  }

  /** The keys under {@code section} as {@code key=value}, in key order. */
  private static List<String> flatten(Config c, String section) {
    return c.getConfig(section).entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> SweepPoint.override(dotted(e.getKey()), e.getValue())).toList();
  }

  /** A config path with its parts joined by dots, quotes removed: {@code "data.reverse-ratio"} → data.reverse-ratio. */
  private static String dotted(String path) {
    return String.join(".", ConfigUtil.splitPath(path));
  }

  /** Whether the values of {@code axis} over the points are all strings (a categorical axis: a bar chart). */
  boolean categorical(String axis) {
    return points.stream().map(p -> p.values().get(axis))
        .allMatch(v -> v != null && v.valueType() == ConfigValueType.STRING);
  }
}
