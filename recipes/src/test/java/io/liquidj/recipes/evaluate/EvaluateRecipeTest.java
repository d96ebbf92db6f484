package io.liquidj.recipes.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.liquidj.backbones.llama.LlamaBackbone;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.config.RecipeConfig;
import io.liquidj.framework.data.CharTokenizer;
import io.liquidj.framework.data.DataSettings;
import io.liquidj.framework.data.PackedBatchSource;
import io.liquidj.framework.train.StepResult;
import io.liquidj.framework.train.TrainingRun;
import io.liquidj.framework.train.RunSettings;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.recipes.TestCli;
import io.liquidj.recipes.TestShards;
import io.liquidj.recipes.TestTokenizers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./liquid evaluate on tiny-llama (extended with 32 image codes) and a tiny prepared pair/text mix. */
class EvaluateRecipeTest {
  private static final int LENGTH = 64;

  @TempDir Path dir;
  private final ModelConfig model = VocabularyExtension.extendedConfig(
      new Backbones(Map.of("llama", LlamaBackbone::new)).config(new BackboneSettings("tiny-llama", Optional.empty())), VocabularyExtension.Plan.appended(TestShards.CODES));
  private final MultimodalVocabulary vocabulary = MultimodalVocabulary.of(model);
  private String sources;

  @BeforeEach
  void prepareData() throws Exception {
    TestShards.write(dir, 12, i -> "caption " + i, i -> "some text number " + i + " to read");
    sources = TestShards.sources(dir);
  }

  private Config config() {
    return ConfigFactory.parseString("""
        trainer { steps = 2, batch-size = 2, seq-len = %d, lr = 1e-2, progress-bar = false, z-loss-weight = 0,
                  output-dir = "%s" }
        data { sources = %s, max-length = %d, t2i-suffix = [" draw"], i2t-prefix = "is:" }
        """.formatted(LENGTH, dir.resolve("run"), sources, LENGTH))
        .withFallback(RecipeConfig.defaults(getClass().getClassLoader())).resolve();
  }

  /** A checkpoint folder (from-scratch weights, exported by a training run) with the char tokenizer. */
  private Path checkpoint(TrainingRun run) throws Exception {
    Path folder = run.exportModel(dir.resolve("model"));
    Files.writeString(folder.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Char\"}}");
    return folder;
  }

  private TrainingRun trainingRun() {
    return new TrainingRun(new LlamaBackbone(model, Precision.F32), vocabulary, RunSettings.from(config()),
        (s, p) -> p.initializeAll(s), "# test", new PrintStream(new ByteArrayOutputStream()));
  }

  private JsonNode evaluate(Path checkpoint, int batches) throws Exception {
    TestCli cli = new TestCli(new TestTokenizers());
    Path out = dir.resolve("evaluate");
    int code = cli.run("evaluate", "checkpoint=" + checkpoint, "data.sources=" + sources, "data.max-length=" + LENGTH,
        "data.t2i-suffix=[\" draw\"]", "data.i2t-prefix=is:", "evaluate.batches=" + batches, "evaluate.batch-size=2",
        "evaluate.output-dir=" + out);
    String printed = cli.out();
    assertEquals(0, code, printed + cli.err());
    assertTrue(printed.contains("evaluate: " + batches + " batches"), printed);
    return new ObjectMapper().readTree(out.resolve(EvaluateRecipe.RESULT_FILE).toFile());
  }

  @Test
  void evaluatedLossEqualsTheTrainingGraphsLossForTheSameBatchAndWeights() throws Exception {
    Path checkpoint;
    StepResult first;
    try (TrainingRun run = trainingRun();
        PackedBatchSource data = PackedBatchSource.open(DataSettings.from(config().getConfig("data")), vocabulary,
            new CharTokenizer(), 2)) {
      checkpoint = checkpoint(run);
      first = run.step(data); // the loss is computed before the update: the exported weights
    }
    JsonNode result = evaluate(checkpoint, 1);
    assertEquals(first.crossEntropy(), result.get("cross-entropy").asDouble(), 1e-5, result.toString());
    assertEquals(first.textCrossEntropy(), result.get("text-cross-entropy").asDouble(), 1e-5, result.toString());
    assertEquals(first.imageCrossEntropy(), result.get("image-cross-entropy").asDouble(), 1e-5, result.toString());
    assertTrue(result.get("image-targets").asLong() > 0 && result.get("text-targets").asLong() > 0, result.toString());
  }

  @Test
  void resultsPoolTextAndImageTargetsOverBatchesWithPerplexityItsExponential() throws Exception {
    Path checkpoint;
    try (TrainingRun run = trainingRun()) {
      checkpoint = checkpoint(run);
    }
    JsonNode r = evaluate(checkpoint, 3);
    assertEquals(3, r.get("batches").asInt());
    long text = r.get("text-targets").asLong();
    long image = r.get("image-targets").asLong();
    assertEquals(text + image, r.get("trained-targets").asLong());
    double ce = r.get("cross-entropy").asDouble();
    assertEquals((r.get("text-cross-entropy").asDouble() * text + r.get("image-cross-entropy").asDouble() * image)
        / (text + image), ce, 1e-5);
    assertEquals(Math.exp(ce), r.get("perplexity").asDouble(), 1e-9);
    // From-scratch weights (std 0.02) predict almost uniformly over the 512 + 32 + 3 rows.
    assertEquals(Math.log(model.vocabSize()), ce, 0.1);
  }
}
