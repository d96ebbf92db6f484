package io.liquidj.framework.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.Provider;
import com.google.inject.TypeLiteral;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import io.liquidj.framework.UserError;
import io.liquidj.framework.config.RecipeConfig;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/**
 * {@code ./liquid <command> [conf-file] [key=value ...] [--flags]}: parses the arguments, loads the
 * configuration, builds the one injector and runs the command.
 *
 * <p>Exit codes: 0 success, 1 an internal failure (with a stack trace), 2 a user error (one line,
 * no stack trace unless {@code --debug}): a {@link UserError}, a configuration error, or a file-system failure
 * the user can fix ({@link FileSystemErrors}).
 */
public final class LiquidCli {
  private final Function<Config, List<Module>> modules;
  private final PrintStream out;
  private final PrintStream err;

  /**
   * @param modules the application's Guice modules for a given resolved configuration
   * @param out standard output
   * @param err standard error
   */
  public LiquidCli(Function<Config, List<Module>> modules, PrintStream out, PrintStream err) {
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
    try {
      CommandLine parser = new CommandLine(args);
      parser.setUnmatchedArgumentsAllowed(true);
      parser.setUnmatchedOptionsArePositionalParams(true);
      parser.parseArgs(argv);
    } catch (ParameterException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    try {
      return dispatch(args);
    } catch (Exception e) {
      Optional<String> user = Optional.ofNullable(userCause(e)).map(Throwable::getMessage)
          .or(() -> FileSystemErrors.explain(e));
      if (user.isPresent()) {
        err.println("error: " + user.get());
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

  /**
   * The command is the first word that is not a flag; every other word is sorted by {@link CommandWords}
   * against that command's flags and positional arguments, before the configuration is loaded.
   */
  private int dispatch(Args args) throws Exception {
    ClassLoader loader = LiquidCli.class.getClassLoader();
    Config reference = RecipeConfig.defaults(loader);
    var known = commands(injector(reference));
    List<String> words = new ArrayList<>(args.words);
    Optional<String> name = words.stream().filter(w -> !CommandWords.isFlag(w)).findFirst();
    if (name.isEmpty()) {
      out.print(HelpText.overview(known));
      return args.help ? 0 : 2;
    }
    var described = known.get(name.get());
    if (described == null) {
      throw unknownCommand(name.get(), known);
    }
    if (args.help) {
      out.print(HelpText.forCommand(name.get(), described.get(), reference));
      return 0;
    }
    words.remove(name.get());
    CommandWords sorted = CommandWords.parse(name.get(), described.get(), words, reference);
    Config config = RecipeConfig.load(sorted.recipeFile(), sorted.overrides(), loader, err);
    if (args.printConfig) {
      out.println(RecipeConfig.render(config, true));
      return 0;
    }
    var command = commands(injector(config)).get(name.get());
    return command.get().run(new Invocation(config, sorted.positional(), sorted.flags(), sorted.flagValues(), out));
  }

  private Injector injector(Config config) {
    List<Module> all = new ArrayList<>();
    all.add(new FrameworkModule(config));
    all.addAll(modules.apply(config));
    return Guice.createInjector(all);
  }

  private static Map<String, Provider<LiquidCommand>> commands(Injector injector) {
    return new TreeMap<>(injector.getInstance(
        Key.get(new TypeLiteral<Map<String, Provider<LiquidCommand>>>() {})));
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
