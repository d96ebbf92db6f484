package io.liquidj.framework.cli;

import java.util.List;

/**
 * One {@code ./liquid <command>}: a recipe ({@code train}, {@code generate}, ...) or an inspection
 * command ({@code logits}, {@code tokenize}, {@code vq}, ...).
 *
 * <p>Commands are registered in a Guice {@code MapBinder<String, Command>} keyed by their name, and
 * get what they need by constructor injection. A command owns the TensorFlow graphs and sessions
 * it creates and closes them before returning.
 */
public interface Command {
  /** One line for {@code ./liquid --help}. */
  String summary();

  /** The positional arguments after the command name, e.g. {@code "<checkpoint-dir> <in> <out>"}. */
  default String usage() {
    return "[conf-file] [key=value ...]";
  }

  /**
   * The top-level sections of {@code reference.conf} this command reads; {@code <command> --help}
   * lists their keys with defaults and descriptions.
   */
  default List<String> configSections() {
    return List.of();
  }

  /** Runs the command; returns the process exit code (0 on success). */
  int run(Invocation invocation) throws Exception;
}
