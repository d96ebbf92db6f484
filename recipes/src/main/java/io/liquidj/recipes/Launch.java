package io.liquidj.recipes;

import io.liquidj.framework.distributed.Launcher;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code ./liquid launch --workers N <command> [conf-file] [key=value ...]}: N processes of
 * {@code ./liquid <command> ...} on this host, each with {@code distributed.cluster} (N free loopback ports) and
 * its {@code distributed.task} added; output prefixed {@code [rank i]}; when one fails the others are stopped.
 *
 * <p>Handled before the command line is parsed (Main), as the words after the command are the workers', not
 * the launcher's: their overrides must reach the workers as written.
 */
final class Launch {
  static final String USAGE = "usage: ./liquid launch --workers N <command> [conf-file] [key=value ...]";
  private static final String HELP = """
      Starts N worker processes of <command> on this host (like torchrun): each is this JVM running
      ./liquid <command> [conf-file] [key=value ...] with distributed.cluster (N free loopback ports) and its own
      distributed.task added. Their output is prefixed [rank i]; when one fails, the others are stopped and
      launch exits with its code. Several hosts: run the command on each host yourself with the same
      distributed.cluster and that host's distributed.task (README, "Several devices and hosts").

      Example: ./liquid launch --workers 2 train conf/recipes/liquid-paper.conf checkpoint=/models/qwen2.5-0.5b""";

  private Launch() {}

  /** Runs the launch of {@code args} (after "launch"); returns the exit code. */
  static int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
    if (args.size() == 1 && (args.get(0).equals("--help") || args.get(0).equals("-h"))) {
      out.println(USAGE.replace("usage: ", "Usage: ") + "\n\n" + HELP);
      return 0;
    }
    if (args.size() < 3 || !args.get(0).equals("--workers") || !args.get(1).matches("[1-9]\\d{0,3}")) {
      err.println("error: " + USAGE);
      return 2;
    }
    int workers = Integer.parseInt(args.get(1));
    List<String> words = args.subList(2, args.size());
    if (words.stream().anyMatch(w -> w.startsWith("distributed.cluster") || w.startsWith("distributed.task"))) {
      err.println("error: launch sets distributed.cluster and distributed.task itself; leave them out");
      return 2;
    }
    return Launcher.run(workers, (rank, cluster) -> workerCommand(words, rank, cluster), out, Duration.ofSeconds(10));
  }

  /** This JVM (same java, options and class path) running Main with {@code words} and the worker's place. */
  static List<String> workerCommand(List<String> words, int rank, List<String> cluster) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.addAll(Arrays.asList("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(words);
    command.add("distributed.cluster=[" + String.join(", ", cluster.stream().map(a -> "\"" + a + "\"").toList()) + "]");
    command.add("distributed.task=" + rank);
    return command;
  }
}
