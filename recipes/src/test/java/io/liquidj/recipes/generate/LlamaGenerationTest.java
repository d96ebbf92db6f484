package io.liquidj.recipes.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.liquidj.backbones.llama.LlamaBackbone;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.generate.SamplingInputs;
import io.liquidj.framework.generate.SamplingLoop;
import io.liquidj.framework.generate.SamplingSettings;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.tf.VariableStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt32;

/** The KV-cache decoding loop on the real Llama backbone against transformers' own generate. */
class LlamaGenerationTest {
  private static final Path LLAMA = Fixtures.fixture("hf/llama3");

  @Test
  void greedyDecodingReproducesTransformersGreedyOutput() throws Exception {
    int[][] prompt;
    int[][] expected;
    try (SafetensorsFile io = SafetensorsFile.open(LLAMA.resolve("io.safetensors"))) {
      prompt = ints(io, "greedy_prompt");
      expected = ints(io, "greedy_output");
    }
    int newTokens = expected[0].length - prompt[0].length;
    int[][] generated = greedy(prompt, new int[][] {ones(prompt[0].length)}, newTokens);
    int[] full = java.util.stream.IntStream.concat(
        java.util.Arrays.stream(prompt[0]), java.util.Arrays.stream(generated[0])).toArray();
    assertArrayEquals(expected[0], full);
  }

  @Test
  void leftPaddingDoesNotChangeGreedyTokens() throws Exception {
    int[][] prompt;
    int[][] expected;
    try (SafetensorsFile io = SafetensorsFile.open(LLAMA.resolve("io.safetensors"))) {
      prompt = ints(io, "greedy_prompt");
      expected = ints(io, "greedy_output");
    }
    int p = prompt[0].length;
    int[][] padded = new int[2][p + 3];
    int[][] mask = new int[2][p + 3];
    for (int j = 0; j < p + 3; j++) {
      padded[0][j] = j < 3 ? 0 : prompt[0][j - 3];
      mask[0][j] = j < 3 ? 0 : 1;
      padded[1][j] = (j * 7 + 3) % 500;
      mask[1][j] = 1;
    }
    int[][] generated = greedy(padded, mask, 6);
    assertArrayEquals(java.util.Arrays.copyOfRange(expected[0], p, p + 6), generated[0]);
  }

  private static int[][] greedy(int[][] ids, int[][] mask, int newTokens) {
    ModelConfig config = ModelConfig.read(LLAMA);
    Backbone llama = new LlamaBackbone(config, Precision.F32);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      VariableStore store = BackboneVariables.create(tf, llama, 0);
      SamplingLoop.Output out = new SamplingLoop(llama, store, Precision.F32).decode(tf, tf.constant(ids), tf.constant(mask),
          SamplingInputs.constants(tf, new SamplingSettings(1, 0, 0, 1, 0), 0),
          new SamplingLoop.Spec("greedy", newTokens, false, 0, 0, new int[0]));
      try (Session s = new Session(g)) {
        BackboneVariables.load(s, store, LLAMA);
        try (var r = s.runner().fetch(out.tokens()).run()) {
          TInt32 t = (TInt32) r.get(0);
          int[][] result = new int[ids.length][newTokens];
          org.tensorflow.ndarray.StdArrays.copyFrom(t, result);
          return result;
        }
      }
    }
  }

  private static int[] ones(int n) {
    int[] a = new int[n];
    java.util.Arrays.fill(a, 1);
    return a;
  }

  private static int[][] ints(SafetensorsFile f, String name) {
    var info = f.info(name);
    long[] shape = info.shape();
    int[][] out = new int[(int) shape[0]][(int) shape[1]];
    var b = f.bytes(name).order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer();
    for (int i = 0; i < out.length; i++) {
      b.get(out[i]);
    }
    return out;
  }
}
