package io.liquidj.framework.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./liquid launch's process management, with worker JVMs of this test class path. */
class LauncherTest {
  @TempDir Path dir;

  private static List<String> java(String mainClass, String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(List.of(args));
    return command;
  }

  @Test
  void everyWorkerGetsTheClusterAndItsTaskAndItsOutputIsPrefixed() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = Launcher.run(2, (rank, cluster) -> java(LauncherTestWorker.class.getName(), String.join(",", cluster),
        Integer.toString(rank), "-1"), new PrintStream(bytes, true, StandardCharsets.UTF_8), Duration.ofSeconds(5));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, out);
    String cluster = out.lines().filter(l -> l.startsWith("[rank 0] task 0 of ")).findFirst().orElseThrow()
        .substring("[rank 0] task 0 of ".length());
    assertTrue(cluster.matches("127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+"), cluster);
    assertTrue(out.contains("[rank 1] task 1 of " + cluster), out);
  }

  @Test
  void aFailedWorkerStopsTheOthersAndTheLaunchFailsNamingIt() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long start = System.nanoTime();
    int code = Launcher.run(3, (rank, cluster) -> java(LauncherTestWorker.class.getName(), String.join(",", cluster),
        Integer.toString(rank), "1"), new PrintStream(bytes, true, StandardCharsets.UTF_8), Duration.ofSeconds(5));
    double seconds = (System.nanoTime() - start) / 1e9;
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(3, code, out);
    assertTrue(out.contains("launch: failed: rank 1 (exit code 3)"), out);
    assertTrue(seconds < 30, "the others (sleeping 60 s) were stopped: " + seconds + " s");
    assertTrue(ProcessHandle.current().children().findAny().isEmpty(), "no worker left");
  }

  @Test
  void twoWorkerJvmsTrainTogether() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = Launcher.run(2, (rank, cluster) -> java("io.liquidj.framework.train.ClusterWorkerMain",
        String.join(",", cluster), Integer.toString(rank), dir.resolve("run").toString(), "trainer.steps = 20",
        "distributed.timeout-seconds = 60"), new PrintStream(bytes, true, StandardCharsets.UTF_8),
        Duration.ofSeconds(5));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, out);
    List<String> last = out.lines().filter(l -> l.contains("] step 20/20 loss ")).map(l -> l.substring(9, l.indexOf(" lr ")))
        .toList();
    assertEquals(2, last.size(), out);
    assertEquals(last.get(0), last.get(1), "both ranks report the global batch's loss");
  }
}
