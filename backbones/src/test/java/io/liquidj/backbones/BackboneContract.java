package io.liquidj.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.Fixtures;
import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.generate.Decoder;
import io.liquidj.framework.generate.SamplingInputs;
import io.liquidj.framework.generate.SamplingSettings;
import io.liquidj.framework.safetensors.Checkpoint;
import io.liquidj.framework.safetensors.SafetensorsFile;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The specification every backbone family meets against its transformers fixture
 * ({@code testdata/hf/<family>}: a random tiny model and its {@code io.safetensors}).
 */
public interface BackboneContract {
  /** The fixture folder under testdata/, e.g. {@code hf/llama3}. */
  String fixture();

  /** The family's factory. */
  BackboneFactory factory();

  default Path dir() {
    return Fixtures.fixture(fixture());
  }

  default FixtureModel load() {
    return new FixtureModel(dir(), factory(), Precision.F32);
  }

  /** The fixture's input_ids as rows. */
  default int[][] inputIds(SafetensorsFile io) {
    return rows(io.readInts("input_ids"), (int) io.info("input_ids").shape()[1]);
  }

  static int[][] rows(int[] flat, int width) {
    int[][] out = new int[flat.length / width][];
    for (int b = 0; b < out.length; b++) {
      out[b] = java.util.Arrays.copyOfRange(flat, b * width, (b + 1) * width);
    }
    return out;
  }

  static float maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length, "lengths");
    float max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  static void assertRelative(double expected, double actual, double tolerance, String what) {
    double rel = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
    assertTrue(rel <= tolerance, what + ": expected " + expected + ", got " + actual + " (relative error " + rel + ")");
  }

  @Test
  default void logitsLossAndZLossMatchTransformers() {
    try (SafetensorsFile io = SafetensorsFile.open(dir().resolve("io.safetensors")); FixtureModel m = load()) {
      int[][] ids = inputIds(io);
      float diff = maxAbsDiff(io.readFloats("logits"), m.logits(ids));
      System.out.println(fixture() + ": logits max|diff| = " + diff);
      assertTrue(diff <= 1e-4f, "logits max|diff| = " + diff);
      assertRelative(io.readFloats("loss")[0], m.fetch(ids, m.loss)[0], 1e-5, "loss");
      assertRelative(io.readFloats("zloss")[0], m.fetch(ids, m.zLoss)[0], 1e-5, "zloss");
    }
  }

  @Test
  default void gradientsMatchTransformers() {
    try (SafetensorsFile io = SafetensorsFile.open(dir().resolve("io.safetensors")); FixtureModel m = load()) {
      Map<String, Double> norms = m.gradientNorms(inputIds(io));
      assertRelative(io.readFloats("grad_global_norm")[0], norms.get("global"), 1e-3, "global gradient norm");
      for (String name : io.names()) {
        if (name.startsWith("grad_norm.")) {
          String param = name.substring("grad_norm.".length());
          assertTrue(norms.containsKey(param), "no gradient for " + param);
          assertRelative(io.readFloats(name)[0], norms.get(param), 1e-3, "gradient norm of " + param);
        }
      }
    }
  }

  @Test
  default void recomputedActivationsGiveTheSameGradients() {
    try (SafetensorsFile io = SafetensorsFile.open(dir().resolve("io.safetensors")); FixtureModel m = load()) {
      int[][] ids = inputIds(io);
      Map<String, Double> plain = m.gradientNorms(ids);
      Map<String, Double> recomputed = m.recomputedGradientNorms(ids);
      assertEquals(plain.keySet(), recomputed.keySet());
      for (String name : plain.keySet()) {
        assertRelative(plain.get(name), recomputed.get(name), 1e-5, "recomputed gradient norm of " + name);
      }
      assertRelative(io.readFloats("grad_global_norm")[0], recomputed.get("global"), 1e-3, "global gradient norm");
    }
  }

  @Test
  default void greedyContinuationMatchesTransformers() {
    try (SafetensorsFile io = SafetensorsFile.open(dir().resolve("io.safetensors")); FixtureModel m = load()) {
      int[] prompt = io.readInts("greedy_prompt");
      int[] expected = io.readInts("greedy_output");
      assertArrayEquals(expected, m.greedyFull(prompt, expected.length - prompt.length));
    }
  }

  @Test
  default void kvCacheGreedyMatchesFullGreedy() {
    try (SafetensorsFile io = SafetensorsFile.open(dir().resolve("io.safetensors")); FixtureModel m = load()) {
      int[] prompt = io.readInts("greedy_prompt");
      int[] expected = io.readInts("greedy_output");
      assertArrayEquals(expected, m.greedyCached(prompt, expected.length - prompt.length));
    }
  }

  /** The generation engine's decoder runs the KV-cache path inside a While loop body (functionWeights). */
  @Test
  default void greedyThroughTheWhileLoopDecoderMatchesTransformers() {
    try (SafetensorsFile io = SafetensorsFile.open(dir().resolve("io.safetensors")); FixtureModel m = load()) {
      int[] prompt = io.readInts("greedy_prompt");
      int[] expected = io.readInts("greedy_output");
      int steps = expected.length - prompt.length;
      Decoder decoder = new Decoder(m.backbone, m.store, Precision.F32);
      int[] ones = new int[prompt.length];
      java.util.Arrays.fill(ones, 1);
      Decoder.Output out = decoder.decode(m.tf, m.tf.constant(new int[][] {prompt}), m.tf.constant(new int[][] {ones}),
          SamplingInputs.constants(m.tf, new SamplingSettings(1, 0, 0, 1, 0), 0),
          new Decoder.Spec("greedy", steps, false, 0, 0, new int[0]));
      try (org.tensorflow.Result r = m.session.runner().fetch(out.tokens()).run()) {
        int[] tokens = new int[steps];
        ((org.tensorflow.types.TInt32) r.get(0)).asRawTensor().data().asInts().read(tokens);
        assertArrayEquals(java.util.Arrays.copyOfRange(expected, prompt.length, expected.length), tokens);
      }
    }
  }

  @Test
  default void parameterNamesAreCheckpointNames() {
    ModelConfig config = ModelConfig.read(dir());
    Set<String> names = factory().create(config, Precision.F32).parameters().stream().map(ParameterSpec::name)
        .collect(Collectors.toCollection(TreeSet::new));
    try (Checkpoint checkpoint = Checkpoint.open(dir())) {
      assertEquals(new TreeSet<>(checkpoint.names()), names);
      for (ParameterSpec spec : factory().create(config, Precision.F32).parameters()) {
        assertArrayEquals(checkpoint.info(spec.name()).shape(), spec.shape(), spec.name());
      }
    }
  }

  @Test
  default void parameterCountMatchesCheckpoint() {
    ModelConfig config = ModelConfig.read(dir());
    long count = factory().create(config, Precision.F32).parameters().stream().mapToLong(ParameterSpec::size).sum();
    try (Checkpoint checkpoint = Checkpoint.open(dir())) {
      long expected = checkpoint.names().stream().mapToLong(n -> checkpoint.info(n).numElements()).sum();
      assertEquals(expected, count);
    }
  }
}
