package io.liquidj.recipes;

import io.liquidj.framework.cli.CommandLine;

/** {@code ./liquid <command> [conf-file] [key=value ...]}: builds the one injector and runs the command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true"); // images and charts are drawn off-screen
    int code = new CommandLine(config -> LiquidModules.all(), System.out, System.err).run(args);
    System.out.flush();
    System.exit(code);
  }
}
