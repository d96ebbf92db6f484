package io.liquidj.framework.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.tf.ParameterSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data parallelism is an implementation detail: 2 replicas × 4 rows train exactly as 1 device × 8 rows
 * (per-step losses and final weights within 1e-5), on the same global batches.
 */
class DataParallelTest {
  private static final int STEPS = 20;
  private static final double TOLERANCE = 1e-5;
  @TempDir Path dir;

  @Test
  void twoReplicasTrainAsOneDeviceOnTheWholeBatch() throws Exception {
    assertSameTraining();
  }

  @Test
  void twoReplicasWithGradientAccumulationTrainAsOneDevice() throws Exception {
    assertSameTraining("trainer.grad-accum = 2");
  }

  @Test
  void twoReplicasWithLoraTrainAsOneDevice() throws Exception {
    assertSameTraining("lora.enabled = true", "lora.rank = 2", "lora.alpha = 4");
  }

  @Test
  void twoReplicasWithLoraOverABf16FrozenBaseTrainAsOneDevice() throws Exception {
    // The frozen base weights are bf16 variables: the replicas' start-of-run sync carries them as f32.
    assertSameTraining("trainer.precision = bf16", "lora.enabled = true", "lora.rank = 2", "lora.alpha = 4");
  }

  @Test
  void optimizerShardsTrainAsOneDevice() throws Exception {
    assertSameTraining("distributed.shard = optimizer");
  }

  @Test
  void optimizerShardsWithGradientAccumulationAndLoraTrainAsOneDevice() throws Exception {
    assertSameTraining("distributed.shard = optimizer", "trainer.grad-accum = 2", "lora.enabled = true",
        "lora.rank = 2", "lora.alpha = 4");
  }

  @Test
  void parameterShardsTrainAsOneDevice() throws Exception {
    assertSameTraining("distributed.shard = parameters");
  }

  @Test
  void parameterShardsWithGradientAccumulationTrainAsOneDevice() throws Exception {
    assertSameTraining("distributed.shard = parameters", "trainer.grad-accum = 2");
  }

  @Test
  void parameterShardsWithLoraOverABf16FrozenBaseTrainAsOneDevice() throws Exception {
    assertSameTraining("distributed.shard = parameters", "trainer.precision = bf16", "lora.enabled = true",
        "lora.rank = 2", "lora.alpha = 4");
  }

  @Test
  void parameterShardsHoldHalfOfEachParameterPerReplica() throws Exception {
    RunSettings settings = TestSettings.of(dir, "trainer.steps = 1", "trainer.batch-size = 8",
        "distributed.devices = 2", "distributed.shard = parameters", "trainer.output-dir = \"" + dir.resolve("h") + "\"");
    try (TrainingRun run = new TrainingRun(new TinyBackbone(), null, settings, (s, p) -> p.initializeAll(s), "#",
        new PrintStream(new ByteArrayOutputStream()))) {
      for (ParameterSpec whole : new TinyBackbone().parameters()) {
        long[] shape = run.parameters().get(whole.name()).spec().shape();
        assertEquals(1, shape.length, whole.name());
        assertEquals((whole.size() + 1) / 2, shape[0], whole.name() + " is half of " + whole.size() + " elements");
        assertEquals(whole.size(), run.parameterValue(whole.name()).length);
      }
      run.step(ListBatchSource.of(8, 8, TinyBackbone.VOCAB, 5));
      // The exported model holds the whole, trained weights.
      Path exported = run.exportModel(dir.resolve("hf"));
      try (SafetensorsFile file = SafetensorsFile.open(exported.resolve("model.safetensors"))) {
        for (ParameterSpec whole : new TinyBackbone().parameters()) {
          float[] written = new float[Math.toIntExact(whole.size())];
          file.bytes(whole.name()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(written);
          assertArrayEquals(run.parameterValue(whole.name()), written, whole.name());
        }
      }
    }
  }

  @Test
  void twoReplicasResumeFromACheckpointAsIfUninterrupted() throws Exception {
    Trained uninterrupted = train(1);
    assertEquals(STEPS, uninterrupted.losses.size());
    // Steps 1-10 write a checkpoint at step 10; the second run resumes there: replica 1 must get replica 0's
    // weights and optimizer state from it.
    train(2, 10, "trainer.checkpoint-every = 10");
    Trained resumed = train(2, STEPS, "trainer.checkpoint-every = 10", "trainer.resume = true");
    assertEquals(STEPS - 10, resumed.losses.size());
    assertSameValues(uninterrupted, resumed);
  }

  @ParameterizedTest
  @ValueSource(strings = {"optimizer", "parameters"})
  void shardedReplicasResumeFromACheckpointAsIfUninterrupted(String shard) throws Exception {
    Trained uninterrupted = train(1);
    // Each replica's shards (AdamW's moments; with parameters the weights too) are in its own file of the
    // step-10 checkpoint.
    train(2, 10, "trainer.checkpoint-every = 10", "distributed.shard = " + shard);
    assertTrue(Files.isRegularFile(dir.resolve("d2/checkpoints/step-00000010/replica-1.safetensors")));
    Trained resumed = train(2, STEPS, "trainer.checkpoint-every = 10", "distributed.shard = " + shard,
        "trainer.resume = true");
    assertEquals(STEPS - 10, resumed.losses.size());
    assertSameValues(uninterrupted, resumed);
  }

  @Test
  void aCheckpointWithoutManifestIsIgnoredOnResume() throws Exception {
    Trained uninterrupted = train(1);
    train(2, 10, "trainer.checkpoint-every = 5");
    // As if a task died while the step-10 checkpoint was written: its manifest is missing.
    Files.delete(dir.resolve("d2/checkpoints/step-00000010/manifest.json"));
    Trained resumed = train(2, STEPS, "trainer.checkpoint-every = 5", "trainer.resume = true");
    assertEquals(STEPS - 5, resumed.losses.size(), "resumed from step 5");
    assertSameValues(uninterrupted, resumed);
  }

  private static void assertSameValues(Trained expectedRun, Trained actualRun) {
    for (var e : expectedRun.values.entrySet()) {
      float[] expected = e.getValue();
      float[] actual = actualRun.values.get(e.getKey());
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], actual[i], TOLERANCE, e.getKey() + "[" + i + "]");
      }
    }
  }

  private void assertSameTraining(String... overrides) throws Exception {
    Trained one = train(1, overrides);
    Trained two = train(2, overrides);
    for (int s = 0; s < STEPS; s++) {
      assertEquals(one.losses.get(s), two.losses.get(s), TOLERANCE, "loss of step " + (s + 1));
    }
    assertTrue(one.losses.get(STEPS - 1) < one.losses.get(0) - 0.1, "the model learned: " + one.losses);
    assertSameValues(one, two);
  }

  private record Trained(List<Double> losses, Map<String, float[]> values) {}

  private Trained train(int devices, String... overrides) throws Exception {
    return train(devices, STEPS, overrides);
  }

  /** Trains (or resumes) until step {@code until}. */
  private Trained train(int devices, int until, String... overrides) throws Exception {
    String[] all = Stream.concat(Stream.of("trainer.steps = " + STEPS, "schedule.kind = cosine", "trainer.batch-size = 8",
        "distributed.devices = " + devices, "distributed.timeout-seconds = 30", "trainer.output-dir = \"" + dir.resolve("d" + devices) + "\""),
        Stream.of(overrides)).toArray(String[]::new);
    RunSettings settings = TestSettings.of(dir, all);
    List<Double> losses = new ArrayList<>();
    Map<String, float[]> values = new LinkedHashMap<>();
    try (TrainingRun run = new TrainingRun(new TinyBackbone(), null, settings, (s, p) -> p.initializeAll(s), "#",
            new PrintStream(new ByteArrayOutputStream()));
        BatchSource source = unevenTargets(ListBatchSource.of(8, 8, TinyBackbone.VOCAB, 5))) {
      run.resumeIfAsked(source);
      while (run.state().step() < until) {
        losses.add(run.step(source).loss());
      }
      for (ParameterSpec p : new TinyBackbone().parameters()) {
        values.put(p.name(), run.parameterValue(p.name()));
      }
      for (ParameterSpec p : run.adapters().specs()) {
        values.put(p.name(), run.adapters().read(run.session(), p.name()));
      }
    }
    return new Trained(losses, values);
  }

  /**
   * Rows with different numbers of trained targets (row 1 none, row 2 half), so that the replicas' shares
   * of a batch weigh differently in its loss.
   */
  static BatchSource unevenTargets(BatchSource source) {
    return TestBatches.mapped(source, b -> {
      float[] weights = b.lossWeights().clone();
      for (int t = 0; t < b.length(); t++) {
        weights[b.length() + t] = 0;
        if (t % 2 == 0) {
          weights[2 * b.length() + t] = 0;
        }
      }
      return new Batch(b.batch(), b.length(), b.inputIds(), b.targetIds(), b.positions(), b.segmentIds(), weights);
    });
  }
}
