package io.liquidj.framework.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import io.liquidj.framework.UserError;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads a run's configuration with a fixed precedence: every module's {@code reference.conf} &lt; the
 * recipe file (which may {@code include} others) &lt; {@code key=value} overrides from the command line.
 *
 * <p>A key the user wrote that no {@code reference.conf} declares is an error naming the key, its
 * file and line, and the nearest known key (a typo must never be silently ignored). Subtrees whose
 * keys are free-form (a backbone's architecture) are declared in {@code reference.conf} as empty
 * objects listed under {@code liquidj.open-sections}.
 */
public final class RecipeConfig {
  private RecipeConfig() {}

  /** The resolved configuration for a run; warnings (a missing optional include) go to standard error. */
  public static Config load(Optional<Path> recipeFile, List<String> overrides, ClassLoader loader) {
    return load(recipeFile, overrides, loader, System.err);
  }

  /** The resolved configuration for a run; warnings (a missing optional include) go to {@code warnings}. */
  public static Config load(Optional<Path> recipeFile, List<String> overrides, ClassLoader loader,
      PrintStream warnings) {
    Config reference = ConfigFactory.defaultReference(loader);
    Config cli = parseOverrides(overrides);
    Config recipe = recipeFile.map(f -> parseRecipe(f, loader, warnings)).orElse(ConfigFactory.empty());
    Config user = renameDeprecated(cli.withFallback(recipe), reference, warnings);
    Config merged;
    try {
      // Unresolved, so that a default written as a substitution (data.max-length = ${trainer.seq-len}) follows the
      // user's value of the key it names, not that key's default. System properties, as in defaultReference().
      merged = user.withFallback(ConfigFactory.systemProperties())
          .withFallback(ConfigFactory.defaultReferenceUnresolved(loader)).resolve(ConfigResolveOptions.defaults());
    } catch (ConfigException e) {
      throw new UserError(e.getMessage(), e);
    }
    rejectUnknownKeys(user.resolveWith(merged, ConfigResolveOptions.defaults()), reference);
    try {
      merged.checkValid(reference);
    } catch (ConfigException.ValidationFailed e) {
      throw new UserError(e.getMessage(), e);
    }
    checkTypes(user.resolveWith(merged, ConfigResolveOptions.defaults()), merged, reference);
    return merged;
  }

  /** The configuration with no recipe file and no overrides: the defaults alone. */
  public static Config defaults(ClassLoader loader) {
    return ConfigFactory.defaultReference(loader);
  }

  /**
   * The resolved config as HOCON, with the origin of each value as a comment: the run's own sections only. Typesafe
   * Config's default reference carries the JVM's system properties ({@code java.*}, {@code user.*}, {@code os.*}),
   * which are no part of a run and would make two machines' identical runs differ.
   */
  public static String render(Config config, boolean withOrigins) {
    java.util.Set<String> declared = ConfigFactory.parseResources(RecipeConfig.class.getClassLoader(), "reference.conf")
        .root().keySet();
    Config run = config;
    for (String key : config.root().keySet()) {
      if (!declared.contains(key)) {
        run = run.withoutPath(com.typesafe.config.ConfigUtil.quoteString(key));
      }
    }
    return run
        .root()
        .render(
            ConfigRenderOptions.defaults()
                .setOriginComments(withOrigins)
                .setComments(false)
                .setJson(false));
  }

  /** Saves the resolved configuration of a run beside its outputs, as {@code dir/config.resolved.conf}. */
  public static void saveResolved(Config config, Path dir) throws java.io.IOException {
    io.liquidj.framework.io.AtomicFiles.writeString(dir.resolve("config.resolved.conf"), render(config, true));
  }

  private static Config parseRecipe(Path file, ClassLoader loader, PrintStream warnings) {
    if (!Files.isRegularFile(file)) {
      throw new UserError("recipe file " + file + " does not exist (expected a .conf file, e.g. conf/recipes/demo.conf)");
    }
    try {
      // Absolute, so that `include "base.conf"` is looked for next to a recipe given as a bare file name too.
      return ConfigFactory.parseFile(file.toAbsolutePath().toFile(), ConfigParseOptions.defaults()
          .setAllowMissing(false).setClassLoader(loader).setIncluder(new RecipeIncluder(file, loader, warnings)));
    } catch (ConfigException e) {
      throw new UserError("cannot read recipe file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Overrides apply in order: of a key given twice, the last value wins (a later object merges into an earlier one). */
  private static Config parseOverrides(List<String> overrides) {
    Config result = ConfigFactory.empty();
    for (String override : overrides) {
      int eq = override.indexOf('=');
      if (eq <= 0) {
        throw new UserError("command-line override \"" + override + "\" is not of the form key=value");
      }
      String key = override.substring(0, eq).trim();
      String value = override.substring(eq + 1);
      Config one;
      try {
        one = ConfigFactory.parseString(
            key + " = " + quoteIfNeeded(value),
            ConfigParseOptions.defaults().setOriginDescription("command line (" + override + ")"));
      } catch (ConfigException e) {
        throw new UserError("command-line override \"" + override + "\" is not valid HOCON: " + e.getMessage(), e);
      }
      result = one.withFallback(result);
    }
    return result;
  }

  /** Bare strings such as paths ({@code /data/x.conf}) or prompts ("a red square") are quoted. */
  private static String quoteIfNeeded(String value) {
    String v = value.trim();
    if (v.isEmpty()) {
      return "\"\"";
    }
    if (v.startsWith("\"") || v.startsWith("[") || v.startsWith("{") || v.startsWith("${")) {
      return v;
    }
    if (v.matches("-?[0-9.eE+-]+|true|false|null|[A-Za-z0-9_.-]+")) {
      return v;
    }
    return ConfigValueQuoting.quote(v);
  }

  /**
   * The old names of renamed keys ({@code liquidj.renamed-keys}: old = new), from a module's reference.conf.
   * Keys with dots are quoted there, so each entry of the object is one old path.
   */
  public static Map<String, String> renamedKeys(Config reference) {
    Map<String, String> renamed = new java.util.TreeMap<>();
    if (reference.hasPath("liquidj.renamed-keys")) {
      reference.getObject("liquidj.renamed-keys").forEach((old, now) -> renamed.put(old, (String) now.unwrapped()));
    }
    return renamed;
  }

  /** A user value under a deprecated key moves to its new key, with a warning; both set is an error. */
  private static Config renameDeprecated(Config user, Config reference, PrintStream warnings) {
    for (Map.Entry<String, String> e : renamedKeys(reference).entrySet()) {
      ConfigValue old = raw(user, e.getKey());
      if (old == null) {
        continue;
      }
      if (raw(user, e.getValue()) != null) {
        throw new UserError(e.getKey() + " (" + old.origin().description() + ") is the old name of " + e.getValue()
            + ", which is set too; keep " + e.getValue());
      }
      warnings.println("warning: " + e.getKey() + " (" + old.origin().description() + ") is deprecated; write "
          + e.getValue());
      user = user.withoutPath(e.getKey()).withValue(e.getValue(), old);
    }
    return user;
  }

  /**
   * The comment lines above {@code key} in its reference.conf. Read unresolved: a default written as a substitution
   * ({@code tokenizer = ${tokenizer}}) keeps its own comment, not the one of the key it follows.
   */
  public static List<String> referenceComments(String key, ClassLoader loader) {
    ConfigValue value = raw(ConfigFactory.defaultReferenceUnresolved(loader), key);
    return value == null ? List.of() : value.origin().comments();
  }

  /** The value at {@code path} as written, unresolved (a {@code ${...}} stays one), or null. */
  private static ConfigValue raw(Config config, String path) {
    ConfigValue value = config.root();
    for (String key : com.typesafe.config.ConfigUtil.splitPath(path)) {
      if (!(value instanceof com.typesafe.config.ConfigObject object) || !object.containsKey(key)) {
        return null;
      }
      value = object.get(key);
    }
    return value;
  }

  private static void rejectUnknownKeys(Config user, Config reference) {
    Set<String> open = new TreeSet<>(
        reference.hasPath("liquidj.open-sections")
            ? reference.getStringList("liquidj.open-sections")
            : List.of());
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String key = e.getKey();
      if (reference.hasPathOrNull(key) || open.stream().anyMatch(s -> key.startsWith(s + "."))) {
        continue;
      }
      String nearest = nearestKey(key, reference);
      String origin = e.getValue().origin().description();
      throw new UserError(
          "unknown key \"" + key + "\" (" + origin + ")"
              + (nearest == null ? "" : "; did you mean \"" + nearest + "\"?")
              + " Known keys are listed by --help.");
    }
  }

  /** Number keys that also take the word auto (their settings record resolves it). */
  private static final Set<String> NUMBER_OR_AUTO = Set.of("distributed.devices");

  /**
   * checkValid accepts a string wherever a number or boolean is expected (strings convert lazily),
   * so each user-set key is read once with its reference type here.
   */
  private static void checkTypes(Config user, Config merged, Config reference) {
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String key = e.getKey();
      if (!reference.hasPath(key)
          || NUMBER_OR_AUTO.contains(key) && "auto".equals(e.getValue().unwrapped())) {
        continue;
      }
      try {
        switch (reference.getValue(key).valueType()) {
          case NUMBER -> merged.getDouble(key);
          case BOOLEAN -> merged.getBoolean(key);
          case LIST -> merged.getList(key);
          case OBJECT -> merged.getObject(key);
          default -> { }
        }
      } catch (ConfigException.WrongType | ConfigException.BadValue ex) {
        throw new UserError(ex.getMessage() + " (key \"" + key + "\" expects a "
            + reference.getValue(key).valueType().name().toLowerCase(java.util.Locale.ROOT) + ")", ex);
      }
    }
  }

  static String nearestKey(String key, Config reference) {
    return reference.entrySet().stream()
        .map(Map.Entry::getKey)
        .min(Comparator.comparingInt((String k) -> editDistance(k, key)))
        .filter(k -> editDistance(k, key) <= Math.max(3, key.length() / 3))
        .orElse(null);
  }

  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
