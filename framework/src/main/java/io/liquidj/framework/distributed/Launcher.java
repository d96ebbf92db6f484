package io.liquidj.framework.distributed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./liquid launch --workers N}: N worker processes on this host (like torchrun's standalone mode), each
 * told the cluster (N free loopback ports) and its task; their output is copied line by line with a
 * {@code [rank i]} prefix. When one fails, the others are stopped and the launch fails naming it.
 */
public final class Launcher {
  /** The command line of worker {@code rank} in {@code cluster}. */
  @FunctionalInterface
  public interface WorkerCommand {
    List<String> of(int rank, List<String> cluster);
  }

  private record Exit(int rank, int code) {}

  private Launcher() {}

  /** {@code workers} addresses {@code 127.0.0.1:port} on ports free right now. */
  public static List<String> loopbackCluster(int workers) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<String> cluster = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()); // held: distinct ports
        held.add(socket);
        cluster.add("127.0.0.1:" + socket.getLocalPort());
      }
      return cluster;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket socket : held) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // a port we could not close stays ours; the worker's server then fails to bind and says so
        }
      }
    }
  }

  /**
   * Runs {@code workers} processes until all end; returns 0 when every one exited with 0, otherwise the first
   * failing worker's exit code, after stopping the others ({@code grace} to end on
   * SIGTERM, then killed).
   */
  public static int run(int workers, WorkerCommand command, PrintStream out, Duration grace)
      throws IOException, InterruptedException {
    List<String> cluster = loopbackCluster(workers);
    List<Process> processes = new ArrayList<>();
    List<Thread> pumps = new ArrayList<>();
    BlockingQueue<Exit> exits = new LinkedBlockingQueue<>();
    Thread stopOnExit = new Thread(() -> stop(processes, grace));
    Runtime.getRuntime().addShutdownHook(stopOnExit); // Ctrl-C on the launcher stops the workers
    try {
      for (int rank = 0; rank < workers; rank++) {
        Process p = new ProcessBuilder(command.of(rank, cluster)).redirectErrorStream(true).start();
        processes.add(p);
        int r = rank;
        Thread pump = new Thread(() -> copyLines(p, "[rank " + r + "] ", out), "rank-" + rank + "-output");
        pump.start();
        pumps.add(pump);
        p.onExit().thenAccept(done -> exits.add(new Exit(r, done.exitValue())));
      }
      out.println("launch: " + workers + " workers on " + String.join(", ", cluster));
      for (int ended = 0; ended < workers; ended++) {
        Exit exit = exits.take();
        if (exit.code() != 0) {
          out.println("launch: rank " + exit.rank() + " exited with code " + exit.code() + "; stopping the others");
          stop(processes, grace);
          for (Thread pump : pumps) {
            pump.join(grace.toMillis());
          }
          out.println("launch: failed: rank " + exit.rank() + " (exit code " + exit.code() + ")");
          return exit.code();
        }
      }
      for (Thread pump : pumps) {
        pump.join();
      }
      return 0;
    } finally {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    }
  }

  private static void copyLines(Process p, String prefix, PrintStream out) {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        synchronized (out) {
          out.println(prefix + line);
        }
      }
    } catch (IOException e) {
      // the process was killed while we read: its output ends here
    }
  }

  /** SIGTERM to every live process, then, after {@code grace}, SIGKILL to those still alive. */
  private static void stop(List<Process> processes, Duration grace) {
    processes.forEach(Process::destroy);
    long deadline = System.nanoTime() + grace.toNanos();
    for (Process p : processes) {
      try {
        if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
