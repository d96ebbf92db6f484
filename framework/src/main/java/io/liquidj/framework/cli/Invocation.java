package io.liquidj.framework.cli;

import com.typesafe.config.Config;
import io.liquidj.framework.UserError;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the user typed after the command name, already split: the resolved configuration, the
 * positional arguments (neither {@code key=value} nor a {@code --flag}), and the flags.
 *
 * @param config the resolved configuration (reference.conf &lt; recipe file &lt; overrides)
 * @param arguments positional arguments, in order (the recipe file, if any, is not among them)
 * @param flags flags such as {@code --no-special}, with their values in {@link #flagValues}
 * @param flagValues values of flags that take one ({@code --grid 32x32}), as "name=value"
 * @param out where the command prints its results
 */
public record Invocation(
    Config config, List<String> arguments, Set<String> flags, List<String> flagValues, PrintStream out) {

  /** The positional argument at {@code index}, or a user error naming what was expected. */
  public String argument(int index, String what) {
    if (index >= arguments.size()) {
      throw new UserError("missing argument " + (index + 1) + ": expected " + what);
    }
    return arguments.get(index);
  }

  /**
   * The string at {@code key}, which must be set (an empty string is not set), or a user error naming the key and
   * what was expected. A command's positional words are sugar for such keys ({@link LiquidCommand#positionalKeys()}).
   */
  public String required(String key, String what) {
    String value = config.getString(key);
    if (value.isEmpty()) {
      throw new UserError("missing " + key + ": expected " + what + " (give " + key + "=... or the positional word)");
    }
    return value;
  }

  /** Whether {@code --name} was given. */
  public boolean flag(String name) {
    return flags.contains(name);
  }

  /** The value of {@code --name value}, if given. */
  public Optional<String> flagValue(String name) {
    String prefix = name + "=";
    return flagValues.stream().filter(v -> v.startsWith(prefix)).map(v -> v.substring(prefix.length())).findFirst();
  }
}
