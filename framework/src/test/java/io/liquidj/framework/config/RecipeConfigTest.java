package io.liquidj.framework.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.liquidj.framework.UserError;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeConfigTest {
  private static final ClassLoader LOADER = RecipeConfigTest.class.getClassLoader();

  @Test
  void theSavedConfigurationHoldsTheRunsSectionsNotTheJvmsSystemProperties() throws Exception {
    Config c = RecipeConfig.load(Optional.empty(), List.of("trainer.steps=7"), LOADER);
    assertTrue(c.hasPath("java.version"), "Typesafe Config merges system properties into the defaults");
    RecipeConfig.saveResolved(c, dir);
    String saved = Files.readString(dir.resolve("config.resolved.conf"));
    assertTrue(saved.contains("steps=7") || saved.contains("steps = 7"), saved);
    for (String jvm : List.of("java", "user", "os", "file", "line", "path", "sun")) {
      assertFalse(saved.lines().anyMatch(l -> l.startsWith(jvm + " ") || l.startsWith(jvm + "=")
          || l.startsWith(jvm + "{") || l.startsWith("\"" + jvm)), jvm + " in " + saved);
    }
  }

  @TempDir Path dir;

  @Test
  void commandLineOverridesRecipeFileWhichOverridesReference() throws Exception {
    Path recipe = dir.resolve("r.conf");
    Files.writeString(recipe, "test-section { alpha = 2, beta = \"from-file\" }\n");
    Config c = RecipeConfig.load(Optional.of(recipe), List.of("test-section.alpha=3"), LOADER);
    assertEquals(3, c.getInt("test-section.alpha"));
    assertEquals("from-file", c.getString("test-section.beta"));
    assertEquals(0.5, c.getDouble("test-section.gamma"));
  }

  @Test
  void recipeFileCanIncludeAnother() throws Exception {
    Files.writeString(dir.resolve("base.conf"), "test-section.beta = included\n");
    Path recipe = dir.resolve("r.conf");
    Files.writeString(recipe, "include \"base.conf\"\ntest-section.alpha = 7\n");
    Config c = RecipeConfig.load(Optional.of(recipe), List.of(), LOADER);
    assertEquals("included", c.getString("test-section.beta"));
    assertEquals(7, c.getInt("test-section.alpha"));
  }

  @Test
  void unknownKeyNamesItsFileLineAndNearestKnownKey() throws Exception {
    Path recipe = dir.resolve("typo.conf");
    Files.writeString(recipe, "test-section {\n  alpah = 2\n}\n");
    UserError e = assertThrows(UserError.class, () -> RecipeConfig.load(Optional.of(recipe), List.of(), LOADER));
    assertTrue(e.getMessage().contains("test-section.alpah"), e.getMessage());
    assertTrue(e.getMessage().contains("typo.conf: 2"), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean \"test-section.alpha\""), e.getMessage());
  }

  @Test
  void unknownOverrideIsAnError() {
    UserError e = assertThrows(UserError.class,
        () -> RecipeConfig.load(Optional.empty(), List.of("test-section.gamm=1"), LOADER));
    assertTrue(e.getMessage().contains("command line"), e.getMessage());
  }

  @Test
  void wrongTypeIsAnErrorNamingTheKey() {
    UserError e = assertThrows(UserError.class,
        () -> RecipeConfig.load(Optional.empty(), List.of("test-section.alpha=lots"), LOADER));
    assertTrue(e.getMessage().contains("test-section.alpha"), e.getMessage());
  }

  @Test
  void aNumberKeyThatTakesAutoAcceptsTheWordButNoOther() {
    Config c = RecipeConfig.load(Optional.empty(), List.of("distributed.devices=auto"), LOADER);
    assertEquals("auto", c.getString("distributed.devices"));
    UserError e = assertThrows(UserError.class,
        () -> RecipeConfig.load(Optional.empty(), List.of("distributed.devices=all"), LOADER));
    assertTrue(e.getMessage().contains("distributed.devices"), e.getMessage());
  }

  @Test
  void bareStringsAndPathsNeedNoQuotes() {
    Config c = RecipeConfig.load(
        Optional.empty(), List.of("test-section.beta=a red square", "test-section.path=/tmp/x y/z.conf"), LOADER);
    assertEquals("a red square", c.getString("test-section.beta"));
    assertEquals("/tmp/x y/z.conf", c.getString("test-section.path"));
  }

  @Test
  void missingRecipeFileIsAUserError() {
    UserError e = assertThrows(UserError.class,
        () -> RecipeConfig.load(Optional.of(dir.resolve("nope.conf")), List.of(), LOADER));
    assertTrue(e.getMessage().contains("nope.conf"), e.getMessage());
  }

  @Test
  void theLastOverrideOfARepeatedKeyWins() {
    Config c = RecipeConfig.load(Optional.empty(), List.of("test-section.alpha=2", "test-section.alpha=5"), LOADER);
    assertEquals(5, c.getInt("test-section.alpha"));
  }

  @Test
  void aMissingOptionalIncludeIsReportedNamingTheRecipeAndTheInclude() throws Exception {
    Path recipe = dir.resolve("r.conf");
    Files.writeString(recipe, "include \"base.conf\"\ntest-section.alpha = 7\n");
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    Config c = RecipeConfig.load(Optional.of(recipe), List.of(), LOADER,
        new PrintStream(warnings, true, StandardCharsets.UTF_8));
    assertEquals(7, c.getInt("test-section.alpha"));
    String printed = warnings.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains(recipe.toString()) && printed.contains(dir.resolve("base.conf").toString()), printed);
  }

  @Test
  void aMissingRequiredIncludeNamesTheFileItLookedFor() throws Exception {
    Path recipe = dir.resolve("r.conf");
    Files.writeString(recipe, "include required(\"base.conf\")\ntest-section.alpha = 7\n");
    UserError e = assertThrows(UserError.class, () -> RecipeConfig.load(Optional.of(recipe), List.of(), LOADER));
    assertTrue(e.getMessage().contains(dir.resolve("base.conf").toString()), e.getMessage());
    assertFalse(e.getMessage().contains("classpath"), e.getMessage());
  }

  @Test
  void freeFormSectionsAcceptAnyKey() {
    Config c = RecipeConfig.load(Optional.empty(), List.of("test-open.anything_goes=1"), LOADER);
    assertEquals(1, c.getInt("test-open.anything_goes"));
  }
}
