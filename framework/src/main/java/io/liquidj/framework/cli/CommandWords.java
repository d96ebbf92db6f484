package io.liquidj.framework.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValueType;
import io.liquidj.framework.UserError;
import io.liquidj.framework.config.RecipeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The words after a command's name, each either used or rejected: at most one recipe file, {@code key=value}
 * overrides, the flags the command reads, and at most {@link LiquidCommand#maxArguments()} positional arguments.
 * Positional words and flags that stand for keys ({@link LiquidCommand#positionalKeys()}, {@link LiquidCommand.Flag#key()})
 * become overrides here, before the configuration is loaded.
 *
 * @param recipeFile the {@code .conf} file, if one comes before any positional argument
 * @param overrides {@code key=value} words, in order (the last of a repeated key wins)
 * @param positional the other words, in order
 * @param flags the flags given
 * @param flagValues the values of flags that take one, as "name=value"
 */
record CommandWords(
    Optional<Path> recipeFile, List<String> overrides, List<String> positional, Set<String> flags,
    List<String> flagValues) {

  private static final Pattern HOCON_PATH = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

  /** Whether a word is a {@code --flag} (a lone {@code --} or {@code -1} is not). */
  static boolean isFlag(String word) {
    return word.startsWith("--") && word.length() > 2;
  }

  /** Sorts the words of {@code ./liquid <name> ...} (the name removed); a word that fits nowhere is a user error. */
  static CommandWords parse(String name, LiquidCommand command, List<String> words, Config reference) {
    Map<String, LiquidCommand.Flag> known = new LinkedHashMap<>();
    command.flags().forEach(f -> known.put(f.name(), f));
    Optional<Path> recipeFile = Optional.empty();
    List<String> overrides = new ArrayList<>();
    List<String> positional = new ArrayList<>();
    Set<String> flags = new LinkedHashSet<>();
    List<String> flagValues = new ArrayList<>();
    List<Sugar> sugar = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      if (isFlag(w)) {
        LiquidCommand.Flag flag = known.get(w);
        if (flag == null) {
          throw new UserError("unknown flag " + w + " for ./liquid " + name + ": "
              + (known.isEmpty() ? "it reads none" : "it reads " + String.join(", ", known.keySet()))
              + " (and --debug, --print-config, --help)");
        }
        flags.add(w);
        String value = "true";
        if (flag.takesValue()) {
          if (i + 1 >= words.size()) {
            throw new UserError(w + " needs a value");
          }
          value = words.get(++i);
          flagValues.add(w + "=" + value);
        }
        if (flag.key() != null) {
          sugar.add(new Sugar(w, flag.key(), ConfigUtil.quoteString(value)));
        }
      } else if (isOverride(w, reference)) {
        overrides.add(w);
      } else if (w.endsWith(".conf") && positional.isEmpty()) {
        if (recipeFile.isPresent()) {
          throw new UserError("a second recipe file \"" + w + "\" after \"" + recipeFile.get() + "\": a command reads "
              + "one recipe file; include the other from it (include \"other.conf\") or give its keys as key=value");
        }
        recipeFile = Optional.of(Path.of(w));
      } else {
        positional.add(w);
      }
    }
    if (positional.size() > command.maxArguments()) {
      throw unexpected(name, command, positional.get(command.maxArguments()), reference);
    }
    sugar.addAll(positionalSugar(command.positionalKeys(), positional, reference));
    if (!command.positionalKeys().isEmpty()) {
      positional.clear();
    }
    List<String> all = new ArrayList<>();
    for (Sugar s : sugar) {
      overrides.stream().filter(o -> o.substring(0, o.indexOf('=')).equals(s.key())).findFirst().ifPresent(o -> {
        throw new UserError("\"" + s.word() + "\" and \"" + o + "\" both set " + s.key() + " for ./liquid " + name
            + "; give one of them");
      });
      all.add(s.key() + "=" + s.value());
    }
    all.addAll(overrides);
    return new CommandWords(recipeFile, List.copyOf(all), List.copyOf(positional), flags, List.copyOf(flagValues));
  }

  /** A word that stands for {@code key=value}: a positional argument or a flag. */
  private record Sugar(String word, String key, String value) {}

  /**
   * Positional words as the keys they stand for; a key whose default is a list takes the remaining words, or one
   * word that is itself a list ({@code "[128000, 9906]"}).
   */
  private static List<Sugar> positionalSugar(List<String> keys, List<String> words, Config reference) {
    List<Sugar> sugar = new ArrayList<>();
    for (int i = 0; i < Math.min(keys.size(), words.size()); i++) {
      String key = keys.get(i);
      boolean list = reference.hasPath(key) && reference.getValue(key).valueType() == ConfigValueType.LIST;
      if (list) {
        List<String> rest = words.subList(i, words.size());
        if (rest.size() == 1 && rest.get(0).trim().startsWith("[")) {
          sugar.add(new Sugar(rest.get(0), key, rest.get(0)));
          break;
        }
        sugar.add(new Sugar(String.join(" ", rest), key,
            rest.stream().map(ConfigUtil::quoteString).collect(Collectors.joining(", ", "[", "]"))));
        break;
      }
      sugar.add(new Sugar(words.get(i), key, ConfigUtil.quoteString(words.get(i))));
    }
    return sugar;
  }

  private static UserError unexpected(String name, LiquidCommand command, String word, Config reference) {
    int max = command.maxArguments();
    String takes = max == 0 ? "takes no positional arguments"
        : "takes at most " + max + " positional argument" + (max == 1 ? "" : "s");
    boolean splitOverride = word.contains("=") || (HOCON_PATH.matcher(word).matches() && reference.hasPathOrNull(word));
    return new UserError("unexpected argument \"" + word + "\": ./liquid " + name + " " + takes + " (usage: "
        + ("./liquid " + name + " " + command.usage()).trim() + ")"
        + (splitOverride ? "; write an override as one word, key=value, with no spaces around \"=\"" : ""));
  }

  /**
   * Whether a word is a {@code key=value} config override rather than a positional argument: its
   * key is a HOCON path ({@code [A-Za-z0-9_-]+(.[A-Za-z0-9_-]+)*}) and either names a known key (a
   * path of reference.conf, or one under a {@code liquidj.open-sections} entry), whatever the value,
   * or is dotted with a value without whitespace (so a misspelt {@code trainer.stpes=10} is still
   * reported with the nearest key). Everything else ({@code "x=1"}, {@code "x=1 is text"}) is
   * positional. Stated in {@link HelpText#overview}.
   */
  static boolean isOverride(String word, Config reference) {
    int eq = word.indexOf('=');
    if (eq <= 0) {
      return false;
    }
    String key = word.substring(0, eq);
    if (!HOCON_PATH.matcher(key).matches()) {
      return false;
    }
    if (reference.hasPathOrNull(key) || RecipeConfig.renamedKeys(reference).containsKey(key)
        || openSections(reference).stream().anyMatch(s -> key.startsWith(s + "."))) {
      return true;
    }
    return key.contains(".") && word.substring(eq + 1).chars().noneMatch(Character::isWhitespace);
  }

  private static List<String> openSections(Config reference) {
    return reference.hasPath("liquidj.open-sections") ? reference.getStringList("liquidj.open-sections") : List.of();
  }
}
