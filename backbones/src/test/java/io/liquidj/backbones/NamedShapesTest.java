package io.liquidj.backbones;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.backbone.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class NamedShapesTest {
  /** Published parameter counts (embeddings counted once when tied). */
  private static final Map<String, Long> PUBLISHED = Map.of(
      "llama3.2-1b", 1_235_814_400L,
      "llama3.2-3b", 3_212_749_824L,
      "llama3-8b", 8_030_261_248L,
      "qwen2.5-0.5b", 494_032_768L,
      "qwen2.5-1.5b", 1_543_714_304L,
      "qwen2.5-7b", 7_615_616_512L,
      "gemma2-2b", 2_614_341_888L,
      "gemma2-9b", 9_241_705_984L,
      "gemma-7b", 8_537_680_896L);

  static Backbones registry() {
    Map<String, BackboneFactory> factories = Guice.createInjector(new BackbonesModule())
        .getInstance(Key.get(new TypeLiteral<Map<String, BackboneFactory>>() {}));
    return new Backbones(factories);
  }

  static List<Path> shapeFiles() throws IOException {
    try (Stream<Path> files = Files.walk(Fixtures.projectRoot().resolve("conf/backbones"))) {
      return files.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
    }
  }

  @Test
  void everyNamedShapeLoadsAndBuildsItsFamily() throws IOException {
    Backbones backbones = registry();
    Map<String, Long> counts = new TreeMap<>();
    for (Path file : shapeFiles()) {
      ModelConfig config = Backbones.shape(file.toString());
      Backbone backbone = backbones.create(config, Precision.F32);
      String name = file.getFileName().toString().replace(".conf", "");
      counts.put(name, backbone.parameters().stream().mapToLong(ParameterSpec::size).sum());
    }
    assertEquals(17, counts.size(), "shapes under conf/backbones: " + counts.keySet());
    PUBLISHED.forEach((name, expected) -> assertEquals(expected, counts.get(name), name + " parameter count"));
  }

  @Test
  void tinyShapesMatchTheirFixtures() {
    Map<String, String> fixtures = Map.of("tiny-llama", "hf/llama3", "tiny-qwen2", "hf/qwen2.5", "tiny-gemma",
        "hf/gemma", "tiny-gemma2", "hf/gemma2");
    Backbones backbones = registry();
    fixtures.forEach((shape, fixture) -> {
      Path file = Fixtures.projectRoot().resolve("conf/backbones/" + shape + ".conf");
      List<ParameterSpec> fromShape = backbones.create(Backbones.shape(file.toString()), Precision.F32).parameters();
      List<ParameterSpec> fromFixture = backbones.create(ModelConfig.read(Fixtures.fixture(fixture)), Precision.F32)
          .parameters();
      assertEquals(fromFixture, fromShape, shape);
    });
  }

  @Test
  void tinyShapeInitialisesFromScratchAndRuns() {
    Path file = Fixtures.projectRoot().resolve("conf/backbones/tiny-gemma2.conf");
    ModelConfig config = Backbones.shape(file.toString());
    BackboneFactory factory = (c, p) -> registry().create(c, p);
    try (FixtureModel m = new FixtureModel(config, null, factory, Precision.F32)) {
      float[] logits = m.logits(new int[][] {{1, 2, 3, 4}});
      assertEquals(4 * 512, logits.length);
      for (float v : logits) {
        assertTrue(Float.isFinite(v) && Math.abs(v) < 30, "logit " + v);
      }
    }
  }
}
