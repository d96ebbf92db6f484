package io.liquidj.recipes.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.liquidj.backbones.llama.LlamaBackbone;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.config.RecipeConfig;
import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.train.TestBatches;
import io.liquidj.framework.train.TrainingRun;
import io.liquidj.framework.train.RunSettings;
import io.liquidj.framework.backbone.VocabularyExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training engine on the real tiny-llama backbone, extended with image codes. */
class TinyLlamaTrainingTest {
  private static final int CODES = 32;
  @TempDir Path dir;

  private final ModelConfig model =
      VocabularyExtension.extendedConfig(new Backbones(Map.of("llama", LlamaBackbone::new)).config(
          new io.liquidj.framework.backbone.BackboneSettings("tiny-llama", java.util.Optional.empty())), VocabularyExtension.Plan.appended(CODES));
  private final MultimodalVocabulary vocabulary = MultimodalVocabulary.of(model);

  private List<Double> process(Path output, int steps, boolean resume) throws Exception {
    Config config = ConfigFactory.parseString("""
        trainer { steps = 6, batch-size = 2, seq-len = 16, lr = 1e-2, log-every = 2, progress-bar = false,
                  grad-accum = 2, z-loss-weight = 1e-4, resume = %s, output-dir = "%s" }
        schedule { warmup-steps = 2 }
        """.formatted(resume, output)).withFallback(RecipeConfig.defaults(getClass().getClassLoader())).resolve();
    Backbone backbone = new LlamaBackbone(model, Precision.F32);
    List<Double> losses = new ArrayList<>();
    try (TrainingRun run = new TrainingRun(backbone, vocabulary, RunSettings.from(config),
            (s, p) -> p.initializeAll(s), "# test", new PrintStream(new ByteArrayOutputStream()));
        BatchSource source = TestBatches.indexed(i -> pairBatch(vocabulary, i))) {
      run.resumeIfAsked(source);
      for (int i = 0; i < steps && !run.done(); i++) {
        var r = run.step(source);
        assertTrue(r.applied());
        assertTrue(r.imageCrossEntropy() > 0 && r.textCrossEntropy() > 0, r.toString());
        losses.add(r.loss());
      }
      run.checkpoint(source);
      if (run.done()) {
        ModelConfig exported = ModelConfig.read(run.exportModel(output.resolve("model")));
        assertEquals(model.vocabSize(), exported.vocabSize());
        assertEquals(CODES, exported.liquid().numImageCodes());
      }
    }
    return losses;
  }

  @Test
  void tinyLlamaResumeContinuesLossCurveExactly() throws Exception {
    List<Double> straight = process(dir.resolve("straight"), 6, false);
    List<Double> resumed = new ArrayList<>(process(dir.resolve("resumed"), 3, false));
    resumed.addAll(process(dir.resolve("resumed"), 3, true));
    for (int i = 0; i < 6; i++) {
      assertEquals(straight.get(i), resumed.get(i), 1e-6, "step " + i + ": " + straight + " vs " + resumed);
    }
    assertTrue(straight.get(5) < straight.get(0), straight.toString());
  }

  /** Batch i: text documents followed by image-code documents, two per row. */
  private static Batch pairBatch(MultimodalVocabulary vocabulary, long index) {
    Random random = new Random(index);
    int b = 2;
    int t = 16;
    int[] ids = new int[b * t];
    int[] targets = new int[b * t];
    int[] positions = new int[b * t];
    int[] segments = new int[b * t];
    float[] weights = new float[b * t];
    for (int i = 0; i < b * t; i++) {
      int col = i % t;
      boolean image = col >= t / 2;
      int start = random.nextInt(8);
      ids[i] = image ? vocabulary.imageToken((start + col) % CODES) : 10 + (start + col) % 50;
      targets[i] = image ? vocabulary.imageToken((start + col + 1) % CODES) : 10 + (start + col + 1) % 50;
      positions[i] = image ? col - t / 2 : col;
      segments[i] = image ? 2 : 1;
      weights[i] = col == t / 2 - 1 || col == t - 1 ? 0 : 1;
    }
    return new Batch(b, t, ids, targets, positions, segments, weights);
  }
}
