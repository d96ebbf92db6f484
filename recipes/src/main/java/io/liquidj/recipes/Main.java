package io.liquidj.recipes;

import io.liquidj.framework.cli.LiquidCli;

/**
 * {@code ./liquid <command> [conf-file] [key=value ...]}: builds the one injector and runs the command;
 * {@code ./liquid launch --workers N <command> ...} starts N workers of it ({@link Launch}).
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true"); // images and charts are drawn off-screen
    int code = args.length > 0 && args[0].equals("launch") ? launch(args)
        : new LiquidCli(config -> LiquidModules.all(), System.out, System.err).run(args);
    System.out.flush();
    System.exit(code);
  }

  /** {@code ./liquid launch ...}: see {@link Launch}. */
  private static int launch(String[] args) {
    try {
      return Launch.run(java.util.List.of(args).subList(1, args.length), System.out, System.err);
    } catch (Exception e) {
      System.err.println("error: launch: " + e);
      return 1;
    }
  }
}
