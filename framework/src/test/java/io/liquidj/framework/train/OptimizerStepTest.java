package io.liquidj.framework.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.tf.VariableStore;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/** One optimizer step of the training graph, checked against numbers worked out by hand. */
class OptimizerStepTest {
  @TempDir Path dir;

  /** The result of one step and every variable (parameters and optimizer state) before and after it. */
  private record OneStep(StepResult result, Map<String, float[]> before, Map<String, float[]> after) {}

  /** Builds the training graph for {@code backbone} and runs one step on batches whose loss weights are all {@code lossWeight}. */
  private OneStep oneStep(Backbone backbone, float lossWeight, String... overrides) {
    RunSettings settings = TestSettings.of(dir, overrides);
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      VariableStore parameters = BackboneVariables.create(tf, backbone, 0);
      VariableStore optimizerState = new VariableStore(tf);
      TrainGraph trainGraph = new TrainGraph(tf, backbone, parameters, new VariableStore(tf), optimizerState, settings,
          null);
      parameters.initializeAll(session);
      optimizerState.initializeAll(session);
      Map<String, float[]> before = values(session, parameters, optimizerState);
      TrainerSettings trainer = settings.trainer();
      try (TrainStep step = new TrainStep(session, trainGraph,
              settings.schedule().schedule(trainer.lr(), trainer.steps()), trainer, null);
          BatchSource source = repeating(trainer.batchSize(), trainer.seqLen(), lossWeight)) {
        StepResult result = step.run(source);
        return new OneStep(result, before, values(session, parameters, optimizerState));
      }
    }
  }

  private static Map<String, float[]> values(Session session, VariableStore... stores) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (VariableStore store : stores) {
      store.specs().forEach(spec -> out.put(spec.name(), store.read(session, spec.name())));
    }
    return out;
  }

  /** The same batch forever: every target is token 1, every loss weight {@code weight}. */
  private static BatchSource repeating(int batch, int length, float weight) {
    int n = batch * length;
    int[] positions = new int[n];
    int[] segments = new int[n];
    int[] targets = new int[n];
    float[] weights = new float[n];
    for (int i = 0; i < n; i++) {
      positions[i] = i % length;
      segments[i] = 1;
      targets[i] = 1;
      weights[i] = weight;
    }
    return TestBatches.repeating(new Batch(batch, length, new int[n], targets, positions, segments, weights));
  }

  /**
   * Three parameters starting at zero whose gradients are c/2 (see {@link LinearProbeBackbone}):
   * a = [1.2, 1.6] (norm 2), b = [[1, 2], [2, 0]] (norm 3), c = [4, 4, 2] (norm 6); global norm 7.
   */
  private static Backbone threeGradientsOfNorms236() {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("a", new long[] {2});
    shapes.put("b", new long[] {2, 2});
    shapes.put("c", new long[] {3});
    Map<String, float[]> coefficients = Map.of(
        "a", new float[] {2.4f, 3.2f},
        "b", new float[] {2f, 4f, 4f, 0f},
        "c", new float[] {8f, 8f, 4f});
    return new LinearProbeBackbone(shapes, coefficients, ParameterSpec.Init.ZEROS);
  }

  @Test
  void globalNormClippingScalesEveryGradientByClipOverTheGlobalNorm() {
    OneStep step = oneStep(threeGradientsOfNorms236(), 1f, "trainer.clip-norm = 3.5");
    assertEquals(7.0, step.result().gradNorm(), 1e-5, "the reported norm is the unclipped one");
    // Scale 3.5 / 7 = 1/2. After one step Adam's first moment is (1 − β1) · the clipped gradient, β1 = 0.9.
    assertArrayEquals(new float[] {0.06f, 0.08f}, step.after().get("a.adam_m"), 1e-6f);
    assertArrayEquals(new float[] {0.05f, 0.1f, 0.1f, 0f}, step.after().get("b.adam_m"), 1e-6f);
    assertArrayEquals(new float[] {0.2f, 0.2f, 0.1f}, step.after().get("c.adam_m"), 1e-6f);
  }

  @Test
  void gradientsWithinTheClipNormAreNotScaled() {
    OneStep step = oneStep(threeGradientsOfNorms236(), 1f, "trainer.clip-norm = 14");
    assertEquals(7.0, step.result().gradNorm(), 1e-5);
    assertArrayEquals(new float[] {0.12f, 0.16f}, step.after().get("a.adam_m"), 1e-6f);
    assertArrayEquals(new float[] {0.1f, 0.2f, 0.2f, 0f}, step.after().get("b.adam_m"), 1e-6f);
    assertArrayEquals(new float[] {0.4f, 0.4f, 0.2f}, step.after().get("c.adam_m"), 1e-6f);
  }

  /**
   * With the default {@code optimizer.no-decay}, a step whose gradient is zero (every loss weight 0)
   * leaves norms, biases, the embedding and the LM head exactly as they were, and shrinks the
   * projection matrices by exactly lr·wd (AdamW's decoupled decay p ← p − lr·wd·p; Adam's own update
   * of a zero gradient is 0).
   */
  @Test
  void zeroGradientStepDecaysOnlyProjectionMatricesByLrTimesWeightDecay() {
    List<String> kept = List.of("model.embed_tokens.weight", "model.layers.0.input_layernorm.weight",
        "model.layers.0.self_attn.q_proj.bias", "model.layers.0.pre_feedforward_layernorm.weight",
        "model.norm.weight", "lm_head.weight");
    List<String> decayed = List.of("model.layers.0.self_attn.q_proj.weight", "model.layers.0.mlp.down_proj.weight");
    Map<String, long[]> shapes = new LinkedHashMap<>();
    Map<String, float[]> coefficients = new LinkedHashMap<>();
    for (String name : java.util.stream.Stream.concat(kept.stream(), decayed.stream()).toList()) {
      shapes.put(name, new long[] {2, 3});
      coefficients.put(name, new float[] {1, 1, 1, 1, 1, 1});
    }
    OneStep step = oneStep(new LinearProbeBackbone(shapes, coefficients, ParameterSpec.Init.NORMAL), 0f,
        "optimizer.weight-decay = 0.1");
    assertTrue(step.result().applied(), "the step was applied");
    assertEquals(0.0, step.result().gradNorm(), "the gradient is zero");
    float lrTimesWd = (float) step.result().learningRate() * 0.1f;
    assertTrue(lrTimesWd > 0, "lr · wd = " + lrTimesWd);
    for (String name : kept) {
      assertArrayEquals(step.before().get(name), step.after().get(name), name + " is not decayed");
    }
    for (String name : decayed) {
      float[] before = step.before().get(name);
      float[] expected = new float[before.length];
      for (int i = 0; i < before.length; i++) {
        expected[i] = before[i] - lrTimesWd * before[i];
      }
      assertTrue(Arrays.stream(new int[] {0, 1, 2, 3, 4, 5}).allMatch(i -> before[i] != 0), name + " starts non-zero");
      assertArrayEquals(expected, step.after().get(name), name + " shrinks by lr · wd");
    }
  }
}
