package io.liquidj.framework.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.BatchSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingRunTest {
  @TempDir Path dir;
  private final PrintStream out = new PrintStream(new ByteArrayOutputStream());

  private TrainingRun run(RunSettings settings) {
    return new TrainingRun(new TinyBackbone(), null, settings, (s, p) -> p.initializeAll(s), "# test", out);
  }

  private List<Double> losses(TrainingRun run, BatchSource source, int steps) throws Exception {
    List<Double> losses = new ArrayList<>();
    for (int i = 0; i < steps; i++) {
      losses.add(run.step(source).loss());
    }
    return losses;
  }

  @Test
  void lossFallsOnALearnableStream() throws Exception {
    try (TrainingRun run = run(TestSettings.of(dir, "trainer.steps = 30"));
        BatchSource source = ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 1)) {
      List<Double> losses = losses(run, source, 30);
      assertTrue(losses.get(29) < 0.5 * losses.get(0), "losses " + losses);
      assertTrue(run.done());
    }
    Path events;
    try (var files = java.nio.file.Files.list(dir.resolve("tensorboard"))) {
      events = files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents")).findFirst().orElseThrow();
    }
    java.util.Set<String> tags = new java.util.TreeSet<>();
    io.liquidj.framework.metrics.TensorBoardTest.readEvents(events)
        .forEach(e -> e.getSummary().getValueList().forEach(v -> tags.add(v.getTag())));
    // z-loss weight 0 (the test settings) and no peak-flops: loss is the cross-entropy, the z-loss a monitor, no MFU.
    assertEquals(java.util.Set.of("train/loss", "train/loss_text", "train/loss_image", "train/z_loss_monitor",
        "train/lr", "train/grad_norm", "train/tokens_per_second"), tags);
  }

  @Test
  void withoutATerminalEveryLogEveryStepsIsOnePlainLineAndOneMetricsJsonLine() throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    RunSettings settings = TestSettings.of(dir,
        "trainer { steps = 6, log-every = 3, progress-bar = true, z-loss-weight = 1e-4, peak-flops = 1e12 }");
    try (TrainingRun run = new TrainingRun(new TinyBackbone(), null, settings, (s, p) -> p.initializeAll(s), "# test",
        new PrintStream(console, true, java.nio.charset.StandardCharsets.UTF_8));
        BatchSource source = ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 1)) {
      losses(run, source, 6);
    }
    List<String> lines = console.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).matches("step 3/6 loss \\S+ \\(text \\S+ image \\S+ z \\S+\\) lr \\S+ grad-norm \\S+ "
        + "\\d+ tok/s MFU \\S+% ETA \\d+:\\d\\d"), lines.get(0));
    assertFalse(console.toString().contains("\r"), "no carriage-return progress bar without a terminal");
    List<String> json = java.nio.file.Files.readAllLines(dir.resolve("tensorboard/metrics.jsonl"));
    assertEquals(2, json.size(), json.toString());
    var first = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.get(0));
    assertEquals("train", first.get("split").asText());
    assertEquals(3, first.get("step").asInt());
    for (String key : List.of("loss", "cross_entropy", "loss_text", "loss_image", "z_loss", "lr", "grad_norm",
        "tokens_per_second", "mfu")) {
      assertTrue(first.has(key), key + " missing from " + first);
    }
  }

  @Test
  void frozenParametersDoNotChange() throws Exception {
    try (TrainingRun run = run(TestSettings.of(dir, "freeze.patterns = [\"lm_head.*\"]"));
        BatchSource source = ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 1)) {
      float[] head = run.parameters().read(run.session(), "lm_head.weight");
      float[] embed = run.parameters().read(run.session(), "model.embed_tokens.weight");
      losses(run, source, 2);
      assertArrayEquals(head, run.parameters().read(run.session(), "lm_head.weight"));
      assertFalse(Arrays.equals(embed, run.parameters().read(run.session(), "model.embed_tokens.weight")));
      assertFalse(run.trainGraph().trained().contains("lm_head.weight"));
    }
  }

  @Test
  void recomputedActivationsTrainAsThePlainBackwardPass() throws Exception {
    for (String lora : List.of("lora.enabled = false", "lora.enabled = true")) {
      List<List<Double>> losses = new ArrayList<>();
      List<float[]> weights = new ArrayList<>();
      for (String recompute : List.of("false", "true")) {
        Path out = dir.resolve(lora.replaceAll("\\W", "") + recompute);
        try (TrainingRun run = run(TestSettings.of(out, lora, "trainer.steps = 3", "trainer.clip-norm = 0",
                "trainer.recompute-activations = " + recompute));
            BatchSource source = ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 1)) {
          losses.add(losses(run, source, 3));
          weights.add(run.parameters().read(run.session(), "model.embed_tokens.weight"));
        }
      }
      for (int i = 0; i < 3; i++) {
        assertEquals(losses.get(0).get(i), losses.get(1).get(i), 1e-6, lora + ": loss of step " + (i + 1));
      }
      assertNotEquals(losses.get(0).get(0), losses.get(0).get(2), lora + ": the runs trained");
      assertArrayEquals(weights.get(0), weights.get(1), 1e-6f, lora + ": embeddings after 3 steps");
    }
  }

  @Test
  void onlyTheAddedVocabularyRowsTrainWhenAsked() throws Exception {
    // Codes at rows 12..15, the specials reuse unused text rows 3, 4, 5 (as the Liquid release does).
    MultimodalVocabulary vocabulary = new MultimodalVocabulary(12, 4, 3, 4, 5, TinyBackbone.VOCAB);
    RunSettings settings = TestSettings.of(dir, "freeze.vocabulary-rows = new", "optimizer.weight-decay = 0.1");
    try (TrainingRun run = new TrainingRun(new TinyBackbone(), vocabulary, settings, (s, p) -> p.initializeAll(s),
            "# test", out);
        BatchSource source = ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 1)) {
      float[] embed = run.parameters().read(run.session(), "model.embed_tokens.weight");
      float[] head = run.parameters().read(run.session(), "lm_head.weight");
      float[] up = run.parameters().read(run.session(), "model.layers.0.mlp.up_proj.weight");
      losses(run, source, 10); // enough rows that every token appears as an input
      for (String name : List.of("model.embed_tokens.weight", "lm_head.weight")) {
        float[] before = name.startsWith("lm_head") ? head : embed;
        float[] after = run.parameters().read(run.session(), name);
        for (int row = 0; row < TinyBackbone.VOCAB; row++) {
          float[] b = Arrays.copyOfRange(before, row * TinyBackbone.HIDDEN, (row + 1) * TinyBackbone.HIDDEN);
          float[] a = Arrays.copyOfRange(after, row * TinyBackbone.HIDDEN, (row + 1) * TinyBackbone.HIDDEN);
          if (vocabulary.isAddedRow(row)) {
            assertFalse(Arrays.equals(b, a), name + " row " + row + " (added) did not train");
          } else {
            assertArrayEquals(b, a, name + " row " + row + " (text) changed");
          }
        }
      }
      assertFalse(Arrays.equals(up, run.parameters().read(run.session(), "model.layers.0.mlp.up_proj.weight")));
    }
    UserError noVocabulary = assertThrows(UserError.class,
        () -> run(TestSettings.of(dir.resolve("b"), "freeze.vocabulary-rows = new")).close());
    assertTrue(noVocabulary.getMessage().contains("freeze.vocabulary-rows = new needs a vocabulary"),
        noVocabulary.getMessage());
  }

  @Test
  void gradientAccumulationEqualsOneBigBatch() throws Exception {
    // Two micro-batches of 2 rows (equal loss-weight sums) = one batch of 4 rows: the same updates.
    float[] accumulated;
    try (TrainingRun run = run(TestSettings.of(dir, "trainer.grad-accum = 2", "trainer.steps = 2"));
        BatchSource source = ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 1)) {
      run.step(source);
      run.step(source);
      accumulated = run.parameters().read(run.session(), "model.layers.0.mlp.up_proj.weight");
    }
    float[] big;
    try (TrainingRun run = run(TestSettings.of(dir.resolve("b"), "trainer.batch-size = 4", "trainer.steps = 2"));
        BatchSource source = concat(ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 1))) {
      run.step(source);
      run.step(source);
      big = run.parameters().read(run.session(), "model.layers.0.mlp.up_proj.weight");
    }
    assertArrayEquals(big, accumulated, 1e-5f);
  }

  @Test
  void nonFiniteStepIsSkippedAndTrainingContinues() throws Exception {
    try (TrainingRun run = run(TestSettings.of(dir));
        BatchSource source = poisoned(ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 1), 1)) {
      run.step(source);
      float[] before = run.parameters().read(run.session(), "lm_head.weight");
      StepResult skipped = run.step(source);
      assertFalse(skipped.applied());
      assertArrayEquals(before, run.parameters().read(run.session(), "lm_head.weight"));
      StepResult next = run.step(source);
      assertTrue(next.applied());
      assertNotEquals(before[0], run.parameters().read(run.session(), "lm_head.weight")[0]);
      assertEquals(2, run.state().appliedUpdates());
    }
  }

  @Test
  void nonFiniteStepsInARowAbortWithTheLastGoodCheckpointIntact() throws Exception {
    try (TrainingRun run = run(TestSettings.of(dir, "trainer.max-non-finite-steps = 2", "trainer.checkpoint-every = 1"));
        BatchSource source = poisoned(ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 1), 1, 2)) {
      run.step(source); // writes step-00000001
      run.step(source); // skipped, still checkpointed (weights unchanged)
      UserError e = assertThrows(UserError.class, () -> run.step(source));
      assertTrue(e.getMessage().contains("2 steps in a row"), e.getMessage());
      assertTrue(e.getMessage().contains("step-00000002"), e.getMessage());
    }
  }

  /** A source that concatenates two consecutive batches of {@code inner} into one of twice the rows. */
  static BatchSource concat(BatchSource inner) {
    return TestBatches.drawingFrom(inner, () -> {
      Batch a = inner.next();
      Batch b = inner.next();
      return new Batch(a.batch() + b.batch(), a.length(), join(a.inputIds(), b.inputIds()),
          join(a.targetIds(), b.targetIds()), join(a.positions(), b.positions()),
          join(a.segmentIds(), b.segmentIds()), joinFloats(a.lossWeights(), b.lossWeights()));
    });
  }

  /** A source whose batches at the given indices carry a NaN loss weight. */
  static BatchSource poisoned(BatchSource inner, int... indices) {
    AtomicInteger index = new AtomicInteger();
    return TestBatches.mapped(inner, b -> {
      int i = index.getAndIncrement();
      if (Arrays.stream(indices).anyMatch(x -> x == i)) {
        b.lossWeights()[0] = Float.NaN;
      }
      return b;
    });
  }

  private static int[] join(int[] a, int[] b) {
    int[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private static float[] joinFloats(float[] a, float[] b) {
    float[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
