package io.liquidj.recipes.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Guice;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.cli.LiquidCli;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.recipes.LiquidModules;
import io.liquidj.tokenizers.text.BpeTrainer;
import io.liquidj.tokenizers.text.TextTokenizers;
import io.liquidj.tokenizers.text.TextTokenizersModule;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./liquid export-hf}: a training checkpoint becomes the same Hugging Face folder a finished run writes. */
class ExportHfTest {
  @TempDir Path dir;
  private Path run;

  private String liquid(int expectedCode, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = new LiquidCli(c -> LiquidModules.all(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(out, true, StandardCharsets.UTF_8)).run(args);
    String printed = out.toString(StandardCharsets.UTF_8);
    assertEquals(expectedCode, code, printed);
    return printed;
  }

  /** Prepared text and its tokenizer. */
  @BeforeEach
  void prepareText() throws Exception {
    List<String> lines = new ArrayList<>();
    StringBuilder texts = new StringBuilder();
    String[] words = {"red", "green", "blue", "square", "bar", "on", "a", "background"};
    for (int i = 0; i < 60; i++) {
      String line = words[i % 8] + " " + words[(i * 3) % 8] + " " + words[(i * 5 + 1) % 8] + " " + words[(i + 2) % 8];
      lines.add(line);
      texts.append("{\"text\": \"").append(line).append("\"}\n");
    }
    AtomicFiles.writeString(dir.resolve("texts.jsonl"), texts.toString());
    BpeTrainer.write(lines, 300, Files.createDirectories(dir.resolve("tokenizer")));
    liquid(0, "prepare", "data.prepare.output-dir=" + dir.resolve("prepared"), "data.prepare.texts=[\""
        + dir.resolve("texts.jsonl") + "\"]", "data.prepare.tokenizer=" + dir.resolve("tokenizer"));
    run = dir.resolve("run");
  }

  /** A two-step tiny-llama run on text, extended by 16 image codes, with a checkpoint after each step. */
  private void train(String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "trainer.tokenizer=" + dir.resolve("tokenizer"),
        "backbone=tiny-llama", "trainer.image-codes=16", "trainer.steps=2", "trainer.batch-size=1",
        "trainer.seq-len=32", "data.max-length=32", "trainer.lr=1e-2", "trainer.checkpoint-every=1",
        "trainer.progress-bar=false", "trainer.output-dir=" + run, "schedule.warmup-steps=1",
        "data.sources=[{ path = \"" + dir.resolve("prepared") + "\", ratio = 1.0 }]"));
    args.addAll(List.of(extra));
    liquid(0, args.toArray(String[]::new));
  }

  /** Every tensor of the run's final model/ equals the one in {@code exported}. */
  private void assertSameTensorsAsTheRunsModel(Path exported) {
    Path model = run.resolve("model");
    try (SafetensorsFile file = SafetensorsFile.open(model.resolve("model.safetensors"))) {
      for (String name : file.names()) {
        assertTrue(java.util.Arrays.equals(tensor(model, name), tensor(exported, name)), name);
      }
    }
  }

  private static byte[] tensor(Path folder, String name) {
    try (SafetensorsFile file = SafetensorsFile.open(folder.resolve("model.safetensors"))) {
      var bytes = file.bytes(name);
      byte[] out = new byte[bytes.remaining()];
      bytes.get(out);
      return out;
    }
  }

  @Test
  void lastCheckpointExportsAsTheRunsOwnModelFolder() throws Exception {
    train();
    Path exported = dir.resolve("hf-step-2");
    liquid(0, "export-hf", run.resolve("checkpoints/step-00000002").toString(), "output-dir=" + exported);

    Path model = run.resolve("model");
    ObjectMapper json = new ObjectMapper();
    for (String file : List.of("config.json", "generation_config.json", "tokenizer_config.json",
        "special_tokens_map.json")) {
      assertEquals(json.readTree(model.resolve(file).toFile()), json.readTree(exported.resolve(file).toFile()), file);
    }
    assertSameTensorsAsTheRunsModel(exported);

    // The folder's tokenizer names the image codes and the Liquid specials at the model's ids.
    MultimodalVocabulary vocab = MultimodalVocabulary.of(ModelConfig.read(exported));
    TextTokenizer tokenizer = Guice.createInjector(new TextTokenizersModule()).getInstance(TextTokenizers.class)
        .load(exported);
    assertEquals(OptionalInt.of(vocab.boiTokenId()), tokenizer.tokenId("<boi>"));
    assertEquals("<img_7>", tokenizer.decode(new int[] {vocab.imageToken(7)}, true));
    JsonNode generation = json.readTree(exported.resolve("generation_config.json").toFile());
    assertEquals(7.0, generation.get("guidance_scale").asDouble());
    assertEquals(ModelConfig.read(exported).maxPositionEmbeddings(),
        json.readTree(exported.resolve("tokenizer_config.json").toFile()).get("model_max_length").asInt());
  }

  @Test
  void anEarlierCheckpointExportsItsOwnWeights() {
    train();
    Path exported = dir.resolve("hf-step-1");
    liquid(0, "export-hf", run.resolve("checkpoints/step-00000001").toString(), "output-dir=" + exported);
    String name = "model.layers.0.self_attn.q_proj.weight";
    assertNotEquals(java.nio.ByteBuffer.wrap(tensor(run.resolve("model"), name)),
        java.nio.ByteBuffer.wrap(tensor(exported, name)));
  }

  @Test
  void loraCheckpointExportsWithTheAdaptersMerged() {
    train("lora.enabled=true", "lora.rank=2");
    Path exported = dir.resolve("hf-lora");
    liquid(0, "export-hf", run.resolve("checkpoints/step-00000002").toString(), "output-dir=" + exported);
    assertSameTensorsAsTheRunsModel(exported);
  }

  @Test
  void aZeroThreeCheckpointExportsTheWholeWeightsFromTheReplicasShards() {
    train("distributed.devices=2", "distributed.shard=parameters", "trainer.batch-size=2");
    Path exported = dir.resolve("hf-zero3");
    liquid(0, "export-hf", run.resolve("checkpoints/step-00000002").toString(), "output-dir=" + exported);
    assertSameTensorsAsTheRunsModel(exported);
  }

  @Test
  void withoutOutItSaysSo() {
    train();
    String printed = liquid(2, "export-hf", run.resolve("checkpoints/step-00000002").toString());
    assertTrue(printed.contains("output-dir=<dir>"), printed);
  }
}
