package io.liquidj.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.generate.SamplingLoop;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.generate.SamplingInputs;
import io.liquidj.framework.generate.SamplingSettings;
import io.liquidj.framework.safetensors.Checkpoint;
import io.liquidj.framework.safetensors.SafetensorsFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

  /**
   * The backward pass entry by entry: for the largest-gradient entry and two random entries of every
   * parameter, the graph's gradient equals the central difference of the forward pass. The graph runs in
   * f32 only, so the objective is a fixed random linear functional of the logits, summed in double on the
   * host: the difference then carries only the logits' own rounding, not that of a scalar f32 loss. Run on
   * the fixture (tied embedding) and on an untied copy, whose lm_head is a parameter of its own.
   */
  @Test
  default void gradientsMatchCentralDifferencesEntryByEntry() {
    int[][] ids;
    try (SafetensorsFile io = SafetensorsFile.open(dir().resolve("io.safetensors"))) {
      ids = inputIds(io);
    }
    try (FixtureModel m = load()) {
      assertGradientsMatchCentralDifferences(m, ids);
    }
    ObjectNode json = ModelConfig.read(dir()).raw().deepCopy();
    json.put("tie_word_embeddings", false);
    ModelConfig untied = ModelConfig.fromJson(json, fixture() + " untied");
    try (FixtureModel m = new FixtureModel(untied, factory(), Precision.F32, (session, store) -> {
      try (Checkpoint checkpoint = Checkpoint.open(dir())) {
        store.load(session, checkpoint, name -> name.equals("lm_head.weight") ? null : name);
      }
      store.initialize(session, List.of("lm_head.weight"));
    })) {
      assertTrue(m.weights.reads().containsKey("lm_head.weight"), "the untied copy reads lm_head.weight");
      assertGradientsMatchCentralDifferences(m, ids);
    }
  }

  private static void assertGradientsMatchCentralDifferences(FixtureModel m, int[][] ids) {
    Random random = new Random(42);
    float[] probe = new float[ids.length * ids[0].length * m.config.vocabSize()];
    for (int i = 0; i < probe.length; i++) {
      probe[i] = (float) random.nextGaussian();
    }
    Map<String, float[]> gradients = m.probeGradients(ids, probe);
    assertEquals(m.backbone.parameters().stream().map(ParameterSpec::name).collect(Collectors.toSet()),
        gradients.keySet(), "every parameter has a gradient");
    double worst = 0;
    for (Map.Entry<String, float[]> e : gradients.entrySet()) {
      String name = e.getKey();
      float[] g = e.getValue();
      float[] value = m.store.read(m.session, name);
      int largest = 0;
      for (int i = 1; i < g.length; i++) {
        largest = Math.abs(g[i]) > Math.abs(g[largest]) ? i : largest;
      }
      double scale = Math.abs(g[largest]);
      assertTrue(scale > 0, name + ": all-zero gradient");
      // The objective (~25) carries ~1e-5 of f32 rounding, 1e-5 / step in a central difference: the absolute
      // floor of the tolerance. Embedding rows (~0.02) are RMS-normalised at once, so their step stays small
      // against them; at 1e-2 the other parameters' curvature costs at most ~0.3% (Gemma-2's MLP).
      double step = name.equals("model.embed_tokens.weight") ? 2e-3 : 1e-2;
      for (int index : new int[] {largest, random.nextInt(g.length), random.nextInt(g.length)}) {
        float[] plus = value.clone();
        float[] minus = value.clone();
        plus[index] = (float) (value[index] + step);
        minus[index] = (float) (value[index] - step);
        m.store.assign(m.session, name, plus);
        double up = m.probe(ids, probe);
        m.store.assign(m.session, name, minus);
        double down = m.probe(ids, probe);
        double difference = (up - down) / ((double) plus[index] - minus[index]);
        double error = Math.abs(difference - g[index]);
        double tolerance = 1e-2 * Math.abs(g[index]) + 1e-3 * scale + 1e-5 / step;
        worst = Math.max(worst, error / tolerance);
        assertTrue(error <= tolerance, m.config.source() + ": d/d " + name + "[" + index + "]: backward pass "
            + g[index] + ", central difference " + difference + " (largest |gradient| in the tensor " + scale + ")");
      }
      m.store.assign(m.session, name, value);
    }
    System.out.printf("%s: %d parameters, 3 entries each: worst |error| / tolerance %.3f%n", m.config.source(),
        gradients.size(), worst);
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

  /**
   * Packed documents never see each other: a row of three documents (11, 5 and 13 tokens: Gemma-2's
   * sliding window of 8 is crossed) and padding, with the trainer's segment ids and positions restarting
   * per document, gives each document the logits it gets alone.
   */
  @Test
  default void packedDocumentsGiveTheLogitsOfEachDocumentAlone() {
    int[][] rows;
    try (SafetensorsFile io = SafetensorsFile.open(dir().resolve("io.safetensors"))) {
      rows = inputIds(io);
    }
    int[][] documents = {
        java.util.Arrays.copyOfRange(rows[0], 0, 11),
        java.util.Arrays.copyOfRange(rows[1], 3, 8),
        java.util.Arrays.copyOfRange(rows[1], 8, 21)};
    int length = 11 + 5 + 13 + 3; // three padding tokens at the end
    int[] tokens = new int[length];
    int[] positions = new int[length];
    int[] segments = new int[length];
    int at = 0;
    for (int d = 0; d < documents.length; d++) {
      for (int t = 0; t < documents[d].length; t++, at++) {
        tokens[at] = documents[d][t];
        positions[at] = t;
        segments[at] = d + 1;
      }
    }
    try (FixtureModel m = load()) {
      int vocab = m.config.vocabSize();
      float[] packed = m.packedLogits(tokens, positions, segments);
      int start = 0;
      for (int d = 0; d < documents.length; d++) {
        float[] alone = m.logits(new int[][] {documents[d]});
        float[] inRow = java.util.Arrays.copyOfRange(packed, start * vocab, (start + documents[d].length) * vocab);
        float diff = maxAbsDiff(alone, inRow);
        System.out.println(fixture() + ": document " + (d + 1) + " packed vs alone, logits max|diff| = " + diff);
        assertTrue(diff <= 1e-5f, fixture() + ": document " + (d + 1) + " packed vs alone, logits max|diff| = " + diff);
        start += documents[d].length;
      }
    }
  }

  /**
   * The bf16 backward pass (trainer.precision = bf16: matmuls in bf16, everything else f32) gives the f32
   * gradients within bf16 precision, tensor by tensor — on CPU.
   */
  @Test
  default void bf16GradientsAgreeWithF32() {
    int[][] ids;
    try (SafetensorsFile io = SafetensorsFile.open(dir().resolve("io.safetensors"))) {
      ids = inputIds(io);
    }
    Map<String, float[]> f32;
    try (FixtureModel m = load()) {
      f32 = m.lossGradients(ids);
    }
    Map<String, float[]> bf16;
    try (FixtureModel m = new FixtureModel(dir(), factory(), Precision.BF16)) {
      bf16 = m.lossGradients(ids);
    }
    assertEquals(f32.keySet(), bf16.keySet());
    double worst = 0;
    double least = Double.MAX_VALUE;
    for (String name : f32.keySet()) {
      double error = 0;
      double norm = 0;
      float[] reference = f32.get(name);
      float[] low = bf16.get(name);
      for (int i = 0; i < reference.length; i++) {
        error += ((double) low[i] - reference[i]) * ((double) low[i] - reference[i]);
        norm += (double) reference[i] * reference[i];
      }
      double relative = Math.sqrt(error / norm);
      worst = Math.max(worst, relative);
      least = Math.min(least, relative);
      assertTrue(relative <= 3e-2, fixture() + ": bf16 gradient of " + name + " is " + relative
          + " (relative L2) away from f32");
    }
    System.out.printf("%s: bf16 vs f32 gradients, relative L2 per tensor %.4f .. %.4f%n", fixture(), least, worst);
    assertTrue(least > 1e-4, "bf16 is in effect: the gradients differ from f32 (least relative L2 " + least + ")");
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
      SamplingLoop loop = new SamplingLoop(m.backbone, m.store, Precision.F32);
      int[] ones = new int[prompt.length];
      java.util.Arrays.fill(ones, 1);
      SamplingLoop.Output out = loop.decode(m.tf, m.tf.constant(new int[][] {prompt}), m.tf.constant(new int[][] {ones}),
          SamplingInputs.constants(m.tf, new SamplingSettings(1, 0, 0, 1, 0), 0),
          new SamplingLoop.Spec("greedy", steps, false, 0, 0, new int[0]));
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
