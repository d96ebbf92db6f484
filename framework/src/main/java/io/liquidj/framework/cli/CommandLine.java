package io.liquidj.framework.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import io.liquidj.framework.UserError;
import io.liquidj.framework.config.RecipeConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/**
 * {@code ./liquid <command> [conf-file] [key=value ...] [--flags]}: parses the arguments, loads the
 * configuration, builds the one injector and runs the command.
 *
 * <p>Exit codes: 0 success, 1 an internal failure (with a stack trace), 2 a user error (one line,
 * no stack trace unless {@code --debug}).
 */
public final class CommandLine {
  /** Flags that take a value ({@code --grid 32x32}); every other {@code --flag} is boolean. */
  private static final Set<String> VALUE_FLAGS = Set.of("--grid", "--jsonl", "--out");

  private final Function<Config, List<Module>> modules;
  private final PrintStream out;
  private final PrintStream err;

  /**
   * @param modules the application's Guice modules for a given resolved configuration
   * @param out standard output
   * @param err standard error
   */
  public CommandLine(Function<Config, List<Module>> modules, PrintStream out, PrintStream err) {
    this.modules = modules;
    this.out = out;
    this.err = err;
  }

  @Command(name = "liquid", mixinStandardHelpOptions = false)
  static final class Args {
    @Option(names = "--debug", description = "Show stack traces.")
    boolean debug;

    @Option(names = "--print-config", description = "Print the resolved configuration and exit.")
    boolean printConfig;

    @Option(names = {"-h", "--help"}, description = "Show help.")
    boolean help;

    @Parameters(arity = "0..*")
    List<String> words = new ArrayList<>();
  }

  /** Runs the CLI and returns the exit code. */
  public int run(String... argv) {
    Args args = new Args();
    List<String> rest = new ArrayList<>();
    Set<String> flags = new LinkedHashSet<>();
    List<String> flagValues = new ArrayList<>();
    try {
      picocli.CommandLine parser = new picocli.CommandLine(args);
      parser.setUnmatchedArgumentsAllowed(true);
      parser.setUnmatchedOptionsArePositionalParams(true);
      parser.parseArgs(argv);
      for (int i = 0; i < args.words.size(); i++) {
        String w = args.words.get(i);
        if (w.startsWith("--") && w.length() > 2) {
          if (VALUE_FLAGS.contains(w)) {
            if (i + 1 >= args.words.size()) {
              throw new UserError(w + " needs a value");
            }
            flagValues.add(w + "=" + args.words.get(++i));
          }
          flags.add(w);
        } else {
          rest.add(w);
        }
      }
    } catch (ParameterException | UserError e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    try {
      return dispatch(args, rest, flags, flagValues);
    } catch (UserError | ConfigException e) {
      err.println("error: " + e.getMessage());
      if (args.debug) {
        e.printStackTrace(err);
      }
      return 2;
    } catch (Exception e) {
      Throwable user = userCause(e);
      if (user != null) {
        err.println("error: " + user.getMessage());
        if (args.debug) {
          e.printStackTrace(err);
        }
        return 2;
      }
      err.println("internal error: " + e);
      e.printStackTrace(err);
      return 1;
    }
  }

  private int dispatch(Args args, List<String> rest, Set<String> flags, List<String> flagValues) throws Exception {
    ClassLoader loader = CommandLine.class.getClassLoader();
    if (rest.isEmpty()) {
      Map<String, com.google.inject.Provider<io.liquidj.framework.cli.Command>> commands =
          commands(injector(RecipeConfig.defaults(loader)));
      out.print(HelpText.overview(commands));
      return args.help ? 0 : 2;
    }
    String name = rest.get(0);
    List<String> positional = new ArrayList<>();
    List<String> overrides = new ArrayList<>();
    Optional<Path> recipeFile = Optional.empty();
    Config reference = RecipeConfig.defaults(loader);
    for (String w : rest.subList(1, rest.size())) {
      if (isOverride(w, reference)) {
        overrides.add(w);
      } else if (recipeFile.isEmpty() && positional.isEmpty() && w.endsWith(".conf")) {
        recipeFile = Optional.of(Path.of(w));
      } else {
        positional.add(w);
      }
    }
    if (args.help) {
      Config defaults = RecipeConfig.defaults(loader);
      var commands = commands(injector(defaults));
      var command = commands.get(name);
      if (command == null) {
        throw unknownCommand(name, commands);
      }
      out.print(HelpText.forCommand(name, command.get(), defaults));
      return 0;
    }
    Config config = RecipeConfig.load(recipeFile, overrides, loader);
    if (args.printConfig) {
      out.println(RecipeConfig.render(config, true));
      return 0;
    }
    var commands = commands(injector(config));
    var command = commands.get(name);
    if (command == null) {
      throw unknownCommand(name, commands);
    }
    return command.get().run(new Invocation(config, List.copyOf(positional), flags, flagValues, out));
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
    if (reference.hasPathOrNull(key) || openSections(reference).stream().anyMatch(s -> key.startsWith(s + "."))) {
      return true;
    }
    return key.contains(".") && word.substring(eq + 1).chars().noneMatch(Character::isWhitespace);
  }

  private static final java.util.regex.Pattern HOCON_PATH =
      java.util.regex.Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

  private static List<String> openSections(Config reference) {
    return reference.hasPath("liquidj.open-sections") ? reference.getStringList("liquidj.open-sections") : List.of();
  }

  private Injector injector(Config config) {
    List<Module> all = new ArrayList<>();
    all.add(new FrameworkModule(config));
    all.addAll(modules.apply(config));
    return Guice.createInjector(all);
  }

  private static Map<String, com.google.inject.Provider<io.liquidj.framework.cli.Command>> commands(Injector injector) {
    return new TreeMap<>(injector.getInstance(
        Key.get(new TypeLiteral<Map<String, com.google.inject.Provider<io.liquidj.framework.cli.Command>>>() {})));
  }

  private static UserError unknownCommand(String name, Map<String, ?> commands) {
    return new UserError("unknown command \"" + name + "\"; known commands: " + String.join(", ", commands.keySet()));
  }

  private static Throwable userCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UserError || t instanceof ConfigException) {
        return t;
      }
    }
    return null;
  }

  /** Keys under {@code section} with their values, for help listings. */
  static Map<String, ConfigValue> keysUnder(Config config, String section) {
    Map<String, ConfigValue> keys = new TreeMap<>();
    if (!config.hasPathOrNull(section)) {
      return keys;
    }
    ConfigValue value = config.getValue(section);
    if (value.valueType() == com.typesafe.config.ConfigValueType.OBJECT) {
      config.getConfig(section).entrySet().forEach(e -> keys.put(section + "." + e.getKey(), e.getValue()));
    } else {
      keys.put(section, value); // a top-level key such as `prompt` or `checkpoint`
    }
    return keys;
  }
}
