package io.liquidj.recipes;

import io.liquidj.framework.cli.CommandLine;

/** {@code ./liquid <command> [conf-file] [key=value ...]}: builds the one injector and runs the command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int code = new CommandLine(config -> LiquidModules.all(), System.out, System.err).run(args);
    System.out.flush();
    System.exit(code);
  }
}
