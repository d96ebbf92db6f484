package io.liquidj.framework.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.tf.ParameterSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several processes (distributed.cluster) train as one: two TensorFlow servers on loopback ports in this JVM,
 * each with a worker (a TrainingRun on its own thread) that reads its half of every global batch, end with the
 * losses and weights of one process training on the whole batch (20 steps, within 1e-5).
 */
class ClusterTrainingTest {
  private static final int STEPS = 20;
  private static final int BATCH = 8;
  private static final double TOLERANCE = 1e-5;
  @TempDir Path dir;

  @Test
  void twoServersTrainAsOneProcessOnTheWholeBatch() throws Exception {
    Trained one = trainAlone("d1");
    List<String> cluster = List.of("127.0.0.1:" + freePort(), "127.0.0.1:" + freePort());
    List<Trained> workers = trainTogether(cluster, "cluster");
    assertTrue(one.losses.get(STEPS - 1) < one.losses.get(0) - 0.1, "the model learned: " + one.losses);
    for (int task = 0; task < 2; task++) {
      Trained worker = workers.get(task);
      for (int s = 0; s < STEPS; s++) {
        assertEquals(one.losses.get(s), worker.losses.get(s), TOLERANCE, "task " + task + " loss of step " + (s + 1));
      }
      for (var e : one.values.entrySet()) {
        float[] expected = e.getValue();
        float[] actual = worker.values.get(e.getKey());
        for (int i = 0; i < expected.length; i++) {
          assertEquals(expected[i], actual[i], TOLERANCE, "task " + task + " " + e.getKey() + "[" + i + "]");
        }
      }
    }
    System.out.printf("two servers: %.1f ms/step (after step 1), one process: %.1f ms/step%n",
        workers.get(0).msPerStep, one.msPerStep);
  }

  record Trained(List<Double> losses, Map<String, float[]> values, double msPerStep) {}

  private Trained trainAlone(String folder, String... overrides) throws Exception {
    RunSettings settings = TestSettings.of(dir, settings(folder, List.of(), 0, overrides));
    return train(settings, DataParallelTest.unevenTargets(ListBatchSource.of(BATCH, 8, TinyBackbone.VOCAB, 5)));
  }

  /** Trains one worker per address of {@code cluster}, each on its own thread, each on its rows. */
  List<Trained> trainTogether(List<String> cluster, String folder, String... overrides) throws Exception {
    return trainWith(dir, cluster, folder, overrides);
  }

  /** {@link #trainTogether} in {@code root} (another test's folder). */
  List<Trained> trainWith(Path root, List<String> cluster, String folder, String... overrides) throws Exception {
    dir = root;
    ExecutorService threads = Executors.newFixedThreadPool(cluster.size());
    try {
      List<Future<Trained>> futures = new ArrayList<>();
      for (int task = 0; task < cluster.size(); task++) {
        RunSettings settings = TestSettings.of(dir, settings(folder, cluster, task, overrides));
        BatchSource rows = rowsOfTask(DataParallelTest.unevenTargets(
            ListBatchSource.of(BATCH, 8, TinyBackbone.VOCAB, 5)), task, cluster.size());
        futures.add(threads.submit(() -> train(settings, rows)));
      }
      List<Trained> out = new ArrayList<>();
      for (Future<Trained> f : futures) {
        out.add(f.get(120, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      threads.shutdownNow();
    }
  }

  private String[] settings(String folder, List<String> cluster, int task, String... overrides) {
    String addresses = cluster.stream().map(a -> "\"" + a + "\"").reduce((a, b) -> a + ", " + b).orElse("");
    return Stream.concat(Stream.of("trainer.steps = " + STEPS, "schedule.kind = cosine",
        "trainer.batch-size = " + BATCH, "distributed.timeout-seconds = 60",
        "distributed.cluster = [" + addresses + "]", "distributed.task = " + task,
        "trainer.output-dir = \"" + dir.resolve(folder) + "\""), Stream.of(overrides)).toArray(String[]::new);
  }

  private static Trained train(RunSettings settings, BatchSource source) throws Exception {
    List<Double> losses = new ArrayList<>();
    Map<String, float[]> values = new LinkedHashMap<>();
    long after = 0;
    try (TrainingRun run = new TrainingRun(new TinyBackbone(), null, settings, (s, p) -> p.initializeAll(s), "#",
            new PrintStream(new ByteArrayOutputStream()));
        source) {
      run.resumeIfAsked(source);
      while (!run.done()) {
        losses.add(run.step(source).loss());
        if (losses.size() == 1) {
          after = System.nanoTime();
        }
      }
      for (ParameterSpec p : run.parameters().specs()) {
        values.put(p.name(), run.parameters().read(run.session(), p.name()));
      }
      for (ParameterSpec p : run.adapters().specs()) {
        values.put(p.name(), run.adapters().read(run.session(), p.name()));
      }
    }
    return new Trained(losses, values, (System.nanoTime() - after) / 1e6 / Math.max(1, losses.size() - 1));
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Task {@code task}'s rows of every batch of {@code source}: what a data source of rank task / world does. */
  static BatchSource rowsOfTask(BatchSource source, int task, int tasks) {
    return TestBatches.mapped(source, b -> {
      int rows = b.batch() / tasks;
      int from = task * rows * b.length();
      int to = from + rows * b.length();
      return new Batch(rows, b.length(), Arrays.copyOfRange(b.inputIds(), from, to),
          Arrays.copyOfRange(b.targetIds(), from, to), Arrays.copyOfRange(b.positions(), from, to),
          Arrays.copyOfRange(b.segmentIds(), from, to), Arrays.copyOfRange(b.lossWeights(), from, to));
    });
  }
}
