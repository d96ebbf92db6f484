package io.liquidj.framework.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.checkpoint.CheckpointManager;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.safetensors.SafetensorsFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeTest {
  @TempDir Path dir;
  private final PrintStream out = new PrintStream(new ByteArrayOutputStream());

  /** Runs {@code steps} steps in a fresh graph, session and source ("a new process"), resuming if asked. */
  private List<Double> process(Path output, int steps, boolean resume, String... overrides) throws Exception {
    List<String> all = new ArrayList<>(List.of(overrides));
    all.add("trainer.resume = " + resume);
    RunSettings settings = TestSettings.of(output, all.toArray(String[]::new));
    List<Double> losses = new ArrayList<>();
    try (TrainingRun run = new TrainingRun(new TinyBackbone(), null, settings, (s, p) -> p.initializeAll(s),
            "# test", out);
        BatchSource source = ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 7)) {
      run.resumeIfAsked(source);
      for (int i = 0; i < steps && !run.done(); i++) {
        losses.add(run.step(source).loss());
      }
      run.checkpoint(source);
    }
    return losses;
  }

  @Test
  void resumeContinuesLossCurveExactly() throws Exception {
    String[] shape = {"trainer.steps = 6", "schedule.kind = cosine", "schedule.warmup-steps = 2",
        "trainer.grad-accum = 2"};
    List<Double> straight = process(dir.resolve("straight"), 6, false, shape);
    List<Double> resumed = new ArrayList<>(process(dir.resolve("resumed"), 3, false, shape));
    resumed.addAll(process(dir.resolve("resumed"), 3, true, shape));
    assertEquals(6, resumed.size());
    for (int i = 0; i < 6; i++) {
      assertEquals(straight.get(i), resumed.get(i), 1e-6, "step " + i + ": " + straight + " vs " + resumed);
    }
  }

  @Test
  void checkpointsKeepTheLastKAndHoldWeightsOptimizerAndState() throws Exception {
    process(dir, 5, false, "trainer.checkpoint-every = 1", "trainer.keep-last = 2", "trainer.steps = 5");
    CheckpointManager manager = new CheckpointManager(dir.resolve("checkpoints"), 2);
    List<Path> kept = manager.list();
    assertEquals(List.of("step-00000004", "step-00000005"),
        kept.stream().map(p -> p.getFileName().toString()).toList());
    Path last = kept.get(1);
    try (SafetensorsFile model = SafetensorsFile.open(last.resolve("model.safetensors"));
        SafetensorsFile optimizer = SafetensorsFile.open(last.resolve("optimizer.safetensors"))) {
      assertTrue(model.contains("lm_head.weight"));
      assertTrue(optimizer.contains("lm_head.weight.adam_m"));
      assertTrue(optimizer.contains("lm_head.weight.adam_v"));
    }
    String state = Files.readString(last.resolve("state.json"));
    assertTrue(state.contains("\"step\" : 5") && state.contains("\"dataPosition\" : \"5\""), state);
    assertTrue(Files.readString(last.resolve("config.conf")).contains("# test"));
  }
}
