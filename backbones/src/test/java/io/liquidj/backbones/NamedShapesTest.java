package io.liquidj.backbones;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every shape under conf/backbones, listed from the folder: what a file claims in its comments (a
 * published parameter count, the test fixture it mirrors) is checked, so a new file needs no edit here.
 */
class NamedShapesTest {
  /** "# Published parameter count: 1,235,814,400 (embeddings counted once when tied)." */
  private static final Pattern PUBLISHED = Pattern.compile("^# Published parameter count: ([0-9,]+)", Pattern.MULTILINE);
  /** "# A tiny Gemma shape (as the hf/gemma test fixture)." */
  private static final Pattern FIXTURE = Pattern.compile("^#.*\\(as the (hf/[\\w.]+) test fixture\\)", Pattern.MULTILINE);

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

  /** What the shape files' comments claim, matched by {@code pattern}'s first group, by file; some file must. */
  static Map<Path, String> claims(Pattern pattern, String ifNone) throws IOException {
    Map<Path, String> claims = new TreeMap<>();
    for (Path file : shapeFiles()) {
      Matcher m = pattern.matcher(Files.readString(file));
      if (m.find()) {
        claims.put(file, m.group(1));
      }
    }
    assertFalse(claims.isEmpty(), ifNone);
    return claims;
  }

  @Test
  void everyNamedShapeLoadsAndBuildsItsFamily() throws IOException {
    Backbones backbones = registry();
    for (Path file : shapeFiles()) {
      Backbone backbone = backbones.create(Backbones.shape(file.toString()), Precision.F32);
      assertFalse(backbone.parameters().isEmpty(), file.toString());
    }
  }

  @Test
  void namedShapesHaveTheirPublishedParameterCounts() throws IOException {
    Backbones backbones = registry();
    claims(PUBLISHED, "no file under conf/backbones states its published parameter count").forEach((file, count) -> {
      Backbone backbone = backbones.create(Backbones.shape(file.toString()), Precision.F32);
      assertEquals(Long.parseLong(count.replace(",", "")),
          backbone.parameters().stream().mapToLong(ParameterSpec::size).sum(), file + " parameter count");
    });
  }

  @Test
  void tinyShapesMatchTheirFixtures() throws IOException {
    Backbones backbones = registry();
    claims(FIXTURE, "no file under conf/backbones names the test fixture it mirrors").forEach((file, fixture) -> {
      List<ParameterSpec> fromShape = backbones.create(Backbones.shape(file.toString()), Precision.F32).parameters();
      List<ParameterSpec> fromFixture = backbones.create(ModelConfig.read(Fixtures.fixture(fixture)), Precision.F32)
          .parameters();
      assertEquals(fromFixture, fromShape, file.toString());
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
