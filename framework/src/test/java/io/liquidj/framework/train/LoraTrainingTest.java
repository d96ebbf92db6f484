package io.liquidj.framework.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.optim.LoraWeights;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.tf.VariableStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;

class LoraTrainingTest {
  private static final String UP = "model.layers.0.mlp.up_proj.weight";
  @TempDir Path dir;

  @Test
  void loraTrainsAdaptersEmbeddingsAndHeadAndExportsMergedWeights() throws Exception {
    RunSettings settings = TestSettings.of(dir, "lora.enabled = true", "lora.rank = 2", "lora.alpha = 4");
    try (TrainingRun run = new TrainingRun(new TinyBackbone(), null, settings, (s, p) -> p.initializeAll(s), "#",
            new PrintStream(new ByteArrayOutputStream()));
        BatchSource source = ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 3)) {
      VariableStore params = run.parameters();
      float[] base = params.read(run.session(), UP);
      float[] norm = params.read(run.session(), "model.norm.weight");
      float[] embed = params.read(run.session(), "model.embed_tokens.weight");
      for (int i = 0; i < 3; i++) {
        run.step(source);
      }
      // The adapted projection's base and the (not also-trained) norm are frozen; embeddings and adapters train.
      assertArrayEquals(base, params.read(run.session(), UP));
      assertArrayEquals(norm, params.read(run.session(), "model.norm.weight"));
      assertFalse(Arrays.equals(embed, params.read(run.session(), "model.embed_tokens.weight")));
      assertTrue(run.trainGraph().trained().containsAll(
          java.util.List.of(LoraWeights.loraA(UP), LoraWeights.loraB(UP), "lm_head.weight", "model.embed_tokens.weight")));
      float[] a = run.adapters().read(run.session(), LoraWeights.loraA(UP)); // [2, 8]
      float[] b = run.adapters().read(run.session(), LoraWeights.loraB(UP)); // [8, 2]
      assertFalse(allZero(b), "B has trained away from zero");

      Path exported = run.exportModel(dir.resolve("hf"));
      assertEquals(TinyBackbone.VOCAB, ModelConfig.read(exported).vocabSize());
      try (SafetensorsFile file = SafetensorsFile.open(exported.resolve("model.safetensors"))) {
        assertFalse(file.contains(LoraWeights.loraA(UP)));
        float[] merged = new float[64];
        file.bytes(UP).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(merged);
        int h = TinyBackbone.HIDDEN;
        for (int o = 0; o < h; o++) {
          for (int i = 0; i < h; i++) {
            double delta = 0;
            for (int r = 0; r < 2; r++) {
              delta += b[o * 2 + r] * a[r * h + i];
            }
            assertEquals(base[o * h + i] + 2.0 * delta, merged[o * h + i], 1e-5); // alpha / rank = 2
          }
        }
      }
    }
  }

  @Test
  void bf16LoraHoldsFrozenWeightsInBf16AndTrainsTheRest() throws Exception {
    RunSettings settings = TestSettings.of(dir, "lora.enabled = true", "lora.rank = 2", "lora.alpha = 4",
        "trainer.precision = bf16");
    try (TrainingRun run = new TrainingRun(new TinyBackbone(), null, settings, (s, p) -> p.initializeAll(s), "#",
            new PrintStream(new ByteArrayOutputStream()));
        BatchSource source = ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 3)) {
      VariableStore params = run.parameters();
      // The LoRA base weight and the frozen norm: bf16 variables; the trained embedding and head: f32.
      assertEquals(TBfloat16.class, params.get(UP).type());
      assertEquals(TBfloat16.class, params.get("model.norm.weight").type());
      assertEquals(TFloat32.class, params.get("model.embed_tokens.weight").type());
      assertEquals(TFloat32.class, params.get("lm_head.weight").type());
      float[] base = params.read(run.session(), UP);
      float[] embed = params.read(run.session(), "model.embed_tokens.weight");
      for (float v : base) {
        assertEquals(v, Float.intBitsToFloat(Float.floatToIntBits(v) & 0xffff0000), "a bf16 value: " + v);
      }
      double first = run.step(source).loss();
      for (int i = 0; i < 3; i++) {
        run.step(source);
      }
      assertTrue(Double.isFinite(first));
      assertArrayEquals(base, params.read(run.session(), UP));
      assertFalse(Arrays.equals(embed, params.read(run.session(), "model.embed_tokens.weight")));
      assertFalse(allZero(run.adapters().read(run.session(), LoraWeights.loraB(UP))), "B has trained away from zero");
      Path exported = run.exportModel(dir.resolve("hf"));
      try (SafetensorsFile file = SafetensorsFile.open(exported.resolve("model.safetensors"))) {
        assertTrue(file.contains(UP) && file.contains("model.norm.weight"));
      }
    }
  }

  private static boolean allZero(float[] x) {
    for (float v : x) {
      if (v != 0) {
        return false;
      }
    }
    return true;
  }
}
