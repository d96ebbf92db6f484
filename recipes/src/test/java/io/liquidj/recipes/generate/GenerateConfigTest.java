package io.liquidj.recipes.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.config.RecipeConfig;
import io.liquidj.framework.export.ExportSettings;
import io.liquidj.framework.generate.GenerateSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GenerateConfigTest {
  private static Config load(String recipe, String... overrides) {
    return RecipeConfig.load(Optional.of(Fixtures.projectRoot().resolve("conf/recipes/" + recipe)),
        List.of(overrides), GenerateConfigTest.class.getClassLoader());
  }

  @Test
  void shortTopLevelKeysOverrideTheGenerateRecipe() {
    GenerateSettings s = GenerateSettings.from(
        load("generate.conf", "prompt=a red square", "samples=3", "out=samples/", "mode=caption", "image=x.png"));
    assertEquals("a red square", s.prompt());
    assertEquals(3, s.samples());
    assertEquals(Path.of("samples/"), s.out());
    assertEquals("caption", s.mode());
    assertEquals(Optional.of(Path.of("x.png")), s.image());
  }

  @Test
  void defaultsAreLiquidsReferenceSampling() {
    GenerateSettings s = GenerateSettings.from(load("generate.conf"));
    assertEquals(7.0, s.sampling().guidanceScale());
    assertEquals(0.99, s.sampling().temperature());
    assertEquals(4096, s.sampling().topK());
    assertEquals(0.96, s.sampling().topP());
    assertEquals(32 * 32, s.shapes().gridHeight() * s.shapes().gridWidth());
    assertTrue(s.imagePromptTemplate().endsWith(" Generate an image based on this description."));
  }

  @Test
  void exportRecipeLoads() {
    assertEquals(Path.of("out/7"), ExportSettings.from(load("export.conf", "export.dir=out/7").getConfig("export")).dir());
  }

  @Test
  void aTemplateWithoutThePromptIsRejectedNamingTheKey() {
    var e = assertThrows(ConfigException.BadValue.class,
        () -> GenerateSettings.from(load("generate.conf", "generate.image-prompt-template=draw it")));
    assertTrue(e.getMessage().contains("image-prompt-template"), e.getMessage());
  }

  @Test
  void anInfiniteOrNaNGuidanceScaleIsRejectedNamingTheKey() {
    for (String value : List.of("Infinity", "NaN", "-Infinity")) {
      var e = assertThrows(ConfigException.BadValue.class,
          () -> GenerateSettings.from(load("generate.conf", "generate.sampling.guidance-scale=" + value)), value);
      assertTrue(e.getMessage().contains("guidance-scale"), e.getMessage());
    }
  }

  @Test
  void anUnknownModeIsRejected() {
    assertThrows(ConfigException.BadValue.class, () -> GenerateSettings.from(load("generate.conf", "mode=video")));
  }
}
