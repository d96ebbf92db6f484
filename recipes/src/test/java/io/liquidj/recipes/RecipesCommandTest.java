package io.liquidj.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.Fixtures;
import io.liquidj.framework.cli.LiquidCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./liquid recipes} and {@code ./liquid recipes copy}: every file of conf/recipes and conf/backbones. */
class RecipesCommandTest {
  private static final Path CONF = Fixtures.projectRoot().resolve("conf");
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  @TempDir Path dir;

  private int liquid(String... args) {
    return new LiquidCli(c -> LiquidModules.all(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(out, true, StandardCharsets.UTF_8)).run(args);
  }

  private static List<Path> files(String folder) throws IOException {
    try (Stream<Path> s = Files.list(CONF.resolve(folder))) {
      return s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
    }
  }

  private static String name(Path file) {
    return file.getFileName().toString().replaceFirst("\\.conf$", "");
  }

  @Test
  void listsEveryShippedRecipeAndShapeWithItsFirstCommentLine() throws IOException {
    assertEquals(0, liquid("recipes"));
    String printed = out.toString(StandardCharsets.UTF_8);
    for (Path file : Stream.concat(files("recipes").stream(), files("backbones").stream()).toList()) {
      String comment = ShippedConfs.firstComment(Files.readString(file));
      assertTrue(!comment.isEmpty() && printed.lines().anyMatch(l -> l.matches("  " + name(file) + " +\\Q" + comment
          + "\\E")), file + " in:\n" + printed);
    }
  }

  @Test
  void backbonesListsTheNamedShapesToo() throws IOException {
    assertEquals(0, liquid("backbones"));
    String printed = out.toString(StandardCharsets.UTF_8);
    assertTrue(printed.lines().anyMatch("llama"::equals), printed);
    for (Path file : files("backbones")) {
      assertTrue(printed.lines().anyMatch(l -> l.startsWith("  " + name(file) + " ")), file + " in:\n" + printed);
    }
  }

  @Test
  void copyWritesTheShippedFileAndNeverOverwrites() throws IOException {
    Path copy = dir.resolve("mine.conf");
    assertEquals(0, liquid("recipes", "copy", "liquid-paper", copy.toString()));
    assertEquals(Files.readString(CONF.resolve("recipes/liquid-paper.conf")), Files.readString(copy));
    Path shape = dir.resolve("shape.conf");
    assertEquals(0, liquid("recipes", "copy", "tiny-llama", shape.toString()));
    assertEquals(Files.readString(CONF.resolve("backbones/tiny-llama.conf")), Files.readString(shape));

    assertEquals(2, liquid("recipes", "copy", "demo-train", copy.toString()));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("already exists"));
    assertEquals(Files.readString(CONF.resolve("recipes/liquid-paper.conf")), Files.readString(copy));
    assertEquals(2, liquid("recipes", "copy", "no-such-recipe", dir.resolve("x.conf").toString()));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("liquid-paper"));
  }
}
