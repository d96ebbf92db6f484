package io.liquidj.recipes.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.config.RecipeConfig;
import io.liquidj.framework.data.DataSettings;
import io.liquidj.framework.train.RunSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every sweep under conf/sweeps/ loads, and so does every point's train and evaluate configuration. */
class SweepFilesTest {
  private static final Path ROOT = Fixtures.projectRoot();
  private static final ClassLoader LOADER = SweepFilesTest.class.getClassLoader();

  /** A sweep file as ./liquid sweep reads it from the project root (its base recipe resolved from there). */
  private static SweepSettings load(Path file) {
    Config raw = RecipeConfig.load(Optional.of(file), List.of(), LOADER);
    return SweepSettings.from(RecipeConfig.load(Optional.of(file),
        List.of("sweep.recipe=" + ROOT.resolve(raw.getString("sweep.recipe"))), LOADER));
  }

  @Test
  void everySweepFileLoadsWithEveryPointsTrainAndEvaluateConfiguration() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(ROOT.resolve("conf/sweeps"))) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    assertEquals(3, files.size(), files.toString());
    for (Path file : files) {
      assertTrue(Files.readString(file).startsWith("# ./liquid sweep conf/sweeps/" + file.getFileName()), file.toString());
      SweepSettings sweep = load(file);
      assertFalse(sweep.points().isEmpty(), file.toString());
      for (SweepPoint point : sweep.points()) {
        Config train = SweepRecipe.load(sweep, List.of(), List.of(), point);
        RunSettings.from(train);
        BackboneSettings.from(train);
        Config evaluate = SweepRecipe.load(sweep, List.of(), sweep.evaluate(), point);
        assertFalse(DataSettings.from(evaluate.getConfig("data")).sources().isEmpty(), point.name());
      }
    }
  }

  @Test
  void demoBackbonesSweepsThreeFamiliesOfTwoSizesOnTheHeldOutScenes() {
    SweepSettings sweep = load(ROOT.resolve("conf/sweeps/demo-backbones.conf"));
    assertEquals(List.of("tiny-llama", "small-llama", "tiny-qwen2", "small-qwen2", "tiny-gemma2", "small-gemma2"),
        sweep.points().stream().map(SweepPoint::name).toList());
    Config point = SweepRecipe.load(sweep, List.of(), sweep.evaluate(), sweep.points().get(1));
    assertEquals("small-llama", point.getString("backbone"));
    assertEquals(300, point.getInt("trainer.steps"), "the sweep file's keys apply to every point");
    assertEquals(Path.of("runs/demo/shards-heldout"),
        DataSettings.from(point.getConfig("data")).sources().get(0).path());
  }
}
