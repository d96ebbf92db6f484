package io.liquidj.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.typesafe.config.Config;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.config.RecipeConfig;
import io.liquidj.framework.data.DataSettings;
import io.liquidj.framework.data.PrepareSettings;
import io.liquidj.framework.train.RunSettings;
import io.liquidj.recipes.evaluate.EvaluateRecipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every file under conf/ loads: recipes through RecipeConfig (and the settings their command reads), shapes as
 * backbones, sweeps (in SweepFilesTest) with every point's configuration.
 */
class ConfFilesTest {
  private static final Path CONF = Fixtures.projectRoot().resolve("conf");
  /** What a user adds on the command line of the training recipes. */
  private static final List<String> RUN_KEYS =
      List.of("checkpoint=/path/to/hf-checkpoint", "data.sources=[{ path = \"prepared/pairs\", ratio = 0.5 }]");

  private static List<Path> files(String folder) throws IOException {
    try (Stream<Path> s = Files.walk(CONF.resolve(folder))) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static Config load(Path recipe) {
    return RecipeConfig.load(Optional.of(recipe), RUN_KEYS, ConfFilesTest.class.getClassLoader());
  }

  @Test
  void everyFileUnderConfIsARecipeABackboneShapeOrASweep() throws IOException {
    try (Stream<Path> s = Files.walk(CONF)) {
      List<Path> all = s.filter(Files::isRegularFile).toList();
      // conf/sweeps/ is loaded by io.liquidj.recipes.sweep.SweepFilesTest.
      assertEquals(files("recipes").size() + files("backbones").size() + files("sweeps").size(), all.size(),
          all.toString());
    }
  }

  /** What ./liquid demo writes under demo.output-dir (runs/demo): the folders and files a recipe may point at. */
  private static final java.util.Set<String> DEMO_WRITES =
      java.util.Set.of("data", "vq", "tokenizer", "shards", "train", "samples", "export", "report.md");

  @Test
  void everyRecipeExampleParsesAndPointsAtWhatTheDemoWrites() throws IOException {
    for (Path recipe : files("recipes")) {
      String text = Files.readString(recipe);
      String name = recipe.getFileName().toString();
      var demoPath = java.util.regex.Pattern.compile("runs/demo/([A-Za-z0-9._-]+)").matcher(text);
      while (demoPath.find()) {
        assertTrue(DEMO_WRITES.contains(demoPath.group(1)), name + ": the demo writes no " + demoPath.group());
      }
      String example = text.lines().findFirst().orElseThrow().substring("# ./liquid ".length());
      if (example.contains("...") || example.contains("/path/to/")) {
        continue; // a placeholder for the user's own data or weights
      }
      List<String> words = new java.util.ArrayList<>(CommandKeysTest.exampleWords(example));
      words.add("--print-config");
      var err = new java.io.ByteArrayOutputStream();
      int code = new io.liquidj.framework.cli.LiquidCli(c -> LiquidModules.all(),
          new java.io.PrintStream(new java.io.ByteArrayOutputStream()), new java.io.PrintStream(err, true))
          .run(words.toArray(String[]::new));
      assertEquals(0, code, name + ": " + example + ": " + err);
    }
  }

  @Test
  void everyRecipeLoadsWithTheSettingsItsCommandReads() throws IOException {
    List<Path> recipes = files("recipes");
    assertEquals(12, recipes.size(), recipes.toString());
    for (Path recipe : recipes) {
      Config config = load(recipe);
      String name = recipe.getFileName().toString();
      assertTrue(Files.readString(recipe).startsWith("# ./liquid "), name + " starts with the command that runs it");
      if (name.startsWith("liquid-")) {
        RunSettings training = RunSettings.from(config);
        DataSettings data = DataSettings.from(config.getConfig("data"));
        assertEquals(training.trainer().seqLen(), data.maxLength(), name);
        assertEquals(8192, training.trainer().imageCodes(), name);
        assertEquals(2e-5, training.trainer().lr(), 0, name);
        assertEquals("cosine", training.schedule().kind(), name);
        assertEquals(Path.of("/path/to/hf-checkpoint"), BackboneSettings.from(config).checkpoint().orElseThrow());
      }
      if (name.equals("demo-train.conf")) {
        RunSettings training = RunSettings.from(config);
        assertEquals(training.trainer().seqLen(), DataSettings.from(config.getConfig("data")).maxLength(), name);
        assertEquals(256, training.trainer().imageCodes(), name);
      }
      if (name.equals("demo-vq.conf")) {
        io.liquidj.tokenizers.patchvq.PatchVqTrainSettings.from(config.getConfig("patch-vq.train"));
      }
      if (name.equals("demo-report.conf") || name.equals("demo-export.conf")
          || name.equals("generate.conf") || name.equals("export.conf")) {
        io.liquidj.framework.generate.GenerateSettings.from(config);
      }
      if (name.equals("prepare.conf") || name.equals("demo-prepare.conf")) {
        PrepareSettings.from(config.getConfig("data.prepare"));
      }
      if (name.equals("evaluate.conf")) {
        EvaluateRecipe.EvaluateSettings.from(config.getConfig("evaluate"));
        assertFalse(DataSettings.from(config.getConfig("data")).sources().isEmpty());
      }
    }
  }

  @Test
  void liquidReleaseTrainsLoraPlusTheNewRowsAndThePaperTrainsEverything() throws IOException {
    RunSettings release = RunSettings.from(load(CONF.resolve("recipes/liquid-release.conf")));
    assertTrue(release.lora().enabled());
    assertTrue(release.trainsParameter("model.embed_tokens.weight"));
    assertFalse(release.trainsParameter("model.layers.0.self_attn.q_proj.weight"));
    assertTrue(release.freeze().newVocabularyRowsOnly());
    RunSettings paper = RunSettings.from(load(CONF.resolve("recipes/liquid-paper.conf")));
    assertFalse(paper.lora().enabled());
    assertFalse(paper.freeze().newVocabularyRowsOnly());
    assertEquals(2e-4, paper.trainer().zLossWeight(), 0);
    assertEquals(0.2, DataSettings.from(load(CONF.resolve("recipes/liquid-paper.conf")).getConfig("data")).reverseRatio());
  }

  @Test
  void liquidReleaseMakesNinetyPercentOfPairsImageToTextAsItsT2iRatio() throws IOException {
    // scripts/gemma7b_mixpretrain.sh: --T2I_ratio 0.1 = the probability of text→image.
    assertEquals(0.9, DataSettings.from(load(CONF.resolve("recipes/liquid-release.conf")).getConfig("data")).reverseRatio());
  }

  @Test
  void everyBackboneShapeBuildsItsFamily() throws IOException {
    List<Path> shapes = files("backbones");
    assertEquals(17, shapes.size(), shapes.toString());
    Backbones backbones = Guice.createInjector(LiquidModules.all()).getInstance(Backbones.class);
    for (Path shape : shapes) {
      Config config = RecipeConfig.load(Optional.empty(), List.of("backbone=" + shape),
          ConfFilesTest.class.getClassLoader());
      ModelConfig model = backbones.config(BackboneSettings.from(config));
      assertTrue(backbones.create(model, Precision.F32).parameters().size() > 0, shape.toString());
    }
  }
}
