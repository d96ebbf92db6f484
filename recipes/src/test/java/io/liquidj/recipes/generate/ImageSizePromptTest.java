package io.liquidj.recipes.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.typesafe.config.ConfigException;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.config.RecipeConfig;
import io.liquidj.framework.generate.GenerateSettings;
import io.liquidj.framework.generate.GenerationGraph;
import io.liquidj.framework.generate.PromptTemplates;
import io.liquidj.framework.generate.TemplateTokens;
import io.liquidj.framework.generate.UserTurn;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.tokenizers.text.TextTokenizers;
import io.liquidj.tokenizers.text.TextTokenizersModule;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code width=}/{@code height=}: the grid follows the pixels, and the prompt says the size as train.py's multi data. */
class ImageSizePromptTest {
  private static final TextTokenizers TOKENIZERS =
      Guice.createInjector(new TextTokenizersModule()).getInstance(TextTokenizers.class);
  /** The Liquid release's Gemma vocabulary: 8192 codes after 256,000 rows, specials at <unused0..2>. */
  private static final MultimodalVocabulary GEMMA = new MultimodalVocabulary(256_000, 8192, 7, 8, 9, 264_192);

  @TempDir Path tmp;

  private static GenerateSettings settings(String... overrides) {
    return GenerateSettings.from(RecipeConfig.load(Optional.empty(), List.of(overrides),
        ImageSizePromptTest.class.getClassLoader()));
  }

  private TextTokenizer gemma() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("gemma"));
    try (InputStream in = new GZIPInputStream(Files.newInputStream(
        Fixtures.fixture("tokenizers/gemma").resolve("tokenizer.json.gz")))) {
      Files.copy(in, dir.resolve("tokenizer.json"));
    }
    return TextTokenizers.withSpecialTokens(TOKENIZERS.load(dir), Map.of("<boi>", 7, "<eoi>", 8, "<unconditional>", 9));
  }

  @Test
  void widthAndHeightInPixelsBecomeTheCodeGrid() {
    GenerateSettings s = settings("width=768", "height=512").withDownsampleFactor(16);
    assertEquals(new GenerationGraph.Shapes(32, 48, 256), s.shapes());
    // square stays the default: generate.grid-height × grid-width, whatever the factor
    assertEquals(new GenerationGraph.Shapes(32, 32, 256), settings().withDownsampleFactor(16).shapes());
  }

  @Test
  void aSizeThatIsNotAMultipleOfTheFactorIsRefusedNamingIt() {
    UserError e = assertThrows(UserError.class, () -> settings("width=770", "height=512").withDownsampleFactor(16));
    assertTrue(e.getMessage().contains("factor 16") && e.getMessage().contains("width=768"), e.getMessage());
    assertThrows(ConfigException.class, () -> settings("width=768"));
  }

  @Test
  void theImagePromptSaysTheSizeBeforeTheInstructionAndBeforeUnconditional() throws Exception {
    TextTokenizer gemma = gemma();
    UserTurn plain = UserTurn.PLAIN;
    PromptTemplates t = TemplateTokens.of(gemma, GEMMA, settings("width=768", "height=512").withDownsampleFactor(16),
        plain);
    // train.py, multi data: caption + 'Image Size: Width is {} Height is {}.' + instruction, and
    // 'Image Size: Width is {} Height is {}. <unconditional>' for the guidance stream
    assertEquals("Image Size: Width is 768 Height is 512. Generate an image based on this description.<boi>",
        gemma.decode(t.imageSuffix(), false));
    assertEquals("<bos>Image Size: Width is 768 Height is 512. <unconditional><boi>",
        gemma.decode(t.unconditional(), false));
    // without a size, exactly the square prompt as before
    PromptTemplates square = TemplateTokens.of(gemma, GEMMA, settings(), plain);
    assertEquals(" Generate an image based on this description.<boi>", gemma.decode(square.imageSuffix(), false));
    assertArrayEquals(new int[] {2, 9, 7}, square.unconditional());
  }
}
