package io.liquidj.framework.cli;

import java.util.List;

/**
 * One {@code ./liquid <command>}: a recipe ({@code train}, {@code generate}, ...) or an inspection
 * command ({@code logits}, {@code tokenize}, {@code vq}, ...).
 *
 * <p>Commands are registered in a Guice {@code MapBinder<String, LiquidCommand>} keyed by their name, and
 * get what they need by constructor injection. A command owns the TensorFlow graphs and sessions
 * it creates and closes them before returning. Its help text is the {@link CommandHelp} on its class.
 */
public interface LiquidCommand {
  /**
   * A {@code --flag} a command reads; {@code takesValue}: the next word is its value ({@code --grid 32x32}).
   * {@code key}, if not null, is the configuration key the flag is sugar for: {@code --grid 32x32} is
   * {@code vq.grid=32x32}, and a flag without a value sets its key to {@code true}.
   */
  record Flag(String name, boolean takesValue, String key) {
    /** A flag the command reads itself, from {@link Invocation#flag} or {@link Invocation#flagValue}. */
    public Flag(String name, boolean takesValue) {
      this(name, takesValue, null);
    }
  }

  /** One line for {@code ./liquid --help}: {@link CommandHelp#summary()}. */
  default String summary() {
    return help(this).summary();
  }

  /** The positional arguments after the command name, e.g. {@code "<checkpoint-dir> <in> <out>"}. */
  default String usage() {
    return "[conf-file] [key=value ...]";
  }

  /**
   * The configuration keys that positional words stand for, in order: {@code ./liquid tokenize tok "hi"} is
   * {@code ./liquid tokenize tokenize.tokenizer=tok tokenize.text=hi}. A key whose default in reference.conf is a
   * list takes all the remaining words. A word and its key both given is an error. Commands that list keys here
   * read only their configuration, never {@link Invocation#arguments()}.
   */
  default List<String> positionalKeys() {
    return List.of();
  }

  /** One or two example command lines for {@code <command> --help}: {@link CommandHelp#examples()}. */
  default List<String> examples() {
    return List.of(help(this).examples());
  }

  /**
   * The most positional arguments (words that are neither the recipe file, {@code key=value} nor a flag) this
   * command takes, as its {@link #usage()} shows them; {@code Integer.MAX_VALUE} for a list. A word beyond them
   * is an error, never ignored.
   */
  default int maxArguments() {
    return positionalKeys().size();
  }

  /** The flags this command reads; any other {@code --flag} is an error. */
  default List<Flag> flags() {
    return List.of();
  }

  /**
   * The top-level sections of {@code reference.conf} this command reads ({@link CommandHelp#configSections()});
   * {@code <command> --help} lists their keys with defaults and descriptions.
   */
  default List<String> configSections() {
    return List.of(help(this).configSections());
  }

  /** Runs the command; returns the process exit code (0 on success). */
  int run(Invocation invocation) throws Exception;

  private static CommandHelp help(LiquidCommand command) {
    CommandHelp help = command.getClass().getAnnotation(CommandHelp.class);
    if (help == null) {
      throw new IllegalStateException(command.getClass().getName() + " has no @" + CommandHelp.class.getSimpleName()
          + " (its summary, examples and config sections for --help)");
    }
    return help;
  }
}
