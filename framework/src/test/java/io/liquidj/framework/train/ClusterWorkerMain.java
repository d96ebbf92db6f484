package io.liquidj.framework.train;

import io.liquidj.framework.UserError;
import io.liquidj.framework.data.BatchSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A worker process for the tests of several processes: {@code <host:port,...> <task> <output-dir> [key=value ...]}
 * trains TinyBackbone on its task's rows (as ClusterTrainingTest's threads do), printing a line per step; a
 * {@link UserError} prints "error: ..." and exits 2, like ./liquid.
 */
public final class ClusterWorkerMain {
  private ClusterWorkerMain() {}

  public static void main(String[] args) throws Exception {
    List<String> cluster = Arrays.asList(args[0].split(","));
    int task = Integer.parseInt(args[1]);
    List<String> overrides = new ArrayList<>(List.of("trainer.batch-size = 8", "schedule.kind = cosine",
        "distributed.cluster = [" + String.join(", ", cluster.stream().map(a -> "\"" + a + "\"").toList()) + "]",
        "distributed.task = " + task, "trainer.output-dir = \"" + args[2] + "\""));
    overrides.addAll(Arrays.asList(args).subList(3, args.length));
    int code = 0;
    try {
      RunSettings settings = TestSettings.of(Path.of(args[2]), overrides.toArray(String[]::new));
      try (TrainingRun run = new TrainingRun(new TinyBackbone(), null, settings, (s, p) -> p.initializeAll(s), "#",
              System.out);
          BatchSource source = ClusterTrainingTest.rowsOfTask(DataParallelTest.unevenTargets(
              ListBatchSource.of(8, 8, TinyBackbone.VOCAB, 5)), task, cluster.size())) {
        run.resumeIfAsked(source);
        while (!run.done()) {
          run.step(source);
        }
        run.checkpoint(source);
      }
    } catch (UserError e) {
      System.out.println("error: " + e.getMessage());
      code = 2;
    }
    System.out.flush();
    System.exit(code); // the TensorFlow server's threads would keep the JVM alive
  }
}
