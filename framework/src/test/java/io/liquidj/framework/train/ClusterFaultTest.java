package io.liquidj.framework.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.checkpoint.CheckpointManager;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dead worker: of two worker JVMs, task 1 is killed mid-run; task 0 exits non-zero within
 * distributed.timeout-seconds with one line naming task 1, the last complete checkpoint is intact, and two
 * workers relaunched with trainer.resume = true continue from it.
 */
class ClusterFaultTest {
  private static final int TIMEOUT_SECONDS = 10;
  @TempDir Path dir;

  @Test
  void killingOneWorkerStopsTheOtherWithinTheTimeoutNamingIt() throws Exception {
    List<String> cluster = List.of("127.0.0.1:" + ClusterTrainingTest.freePort(),
        "127.0.0.1:" + ClusterTrainingTest.freePort());
    Path output = dir.resolve("run");
    List<Process> workers = new ArrayList<>();
    try {
      for (int task = 0; task < 2; task++) {
        workers.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), ClusterWorkerMain.class.getName(), String.join(",", cluster),
            Integer.toString(task), output.toString(), "trainer.steps = 100000", "trainer.checkpoint-every = 10",
            "distributed.timeout-seconds = " + TIMEOUT_SECONDS)
            .redirectErrorStream(true).start());
      }
      List<String> survivor = new ArrayList<>();
      Thread reader = new Thread(() -> readLines(workers.get(0), survivor));
      reader.start();
      // Task 1 runs until step 25 (a checkpoint at 10 and 20 is complete), then dies.
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(workers.get(1).getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null && !line.startsWith("step 25/"); line = lines.readLine()) {
          // wait
        }
      }
      workers.get(1).destroyForcibly();
      long killed = System.nanoTime();
      assertTrue(workers.get(0).waitFor(TIMEOUT_SECONDS + 20, TimeUnit.SECONDS), "task 0 still runs");
      double seconds = (System.nanoTime() - killed) / 1e9;
      reader.join(5000);
      System.out.printf("task 0 stopped %.1f s after task 1 was killed%n", seconds);
      assertNotEquals(0, workers.get(0).exitValue());
      String error = survivor.stream().filter(l -> l.startsWith("error: ")).findFirst().orElse("no error line in "
          + survivor.subList(Math.max(0, survivor.size() - 5), survivor.size()));
      assertTrue(error.contains("lost task 1 (" + cluster.get(1) + ")"), error);
      assertTrue(seconds < TIMEOUT_SECONDS + 10, seconds + " s");
    } finally {
      workers.forEach(Process::destroyForcibly);
    }

    Optional<Path> latest = new CheckpointManager(output.resolve("checkpoints"), 2).latest();
    assertTrue(latest.isPresent(), "a complete checkpoint");
    int step = CheckpointManager.stepOf(latest.get());
    assertTrue(step >= 20, latest.get().toString());
    List<String> relaunch = List.of("127.0.0.1:" + ClusterTrainingTest.freePort(),
        "127.0.0.1:" + ClusterTrainingTest.freePort());
    List<ClusterTrainingTest.Trained> resumed = new ClusterTrainingTest().trainWith(dir, relaunch, "run",
        "trainer.resume = true", "trainer.steps = " + (step + 3), "trainer.checkpoint-every = 10");
    assertEquals(3, resumed.get(0).losses().size(), "resumed at step " + step);
    assertEquals(3, resumed.get(1).losses().size(), "resumed at step " + step);
  }

  private static void readLines(Process p, List<String> into) {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        synchronized (into) {
          into.add(line);
        }
      }
    } catch (java.io.IOException e) {
      // ended
    }
  }
}
