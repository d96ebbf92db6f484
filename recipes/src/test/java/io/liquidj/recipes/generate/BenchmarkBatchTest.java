package io.liquidj.recipes.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import io.liquidj.recipes.TestCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./liquid generate prompts=…} and {@code ./liquid answer questions=…} on the random tiny Llama
 * of {@link GenerateCliTest} (4×4 code grid, 16×16-pixel images).
 */
class BenchmarkBatchTest {
  private static final Path VQGAN = Fixtures.fixture("vqgan");
  private static final String GENERATE = Fixtures.projectRoot().resolve("conf/recipes/generate.conf").toString();

  @TempDir static Path tmp;
  private final TestCli cli = new TestCli();

  @BeforeAll
  static void tinyExtendedModel() throws Exception {
    GenerateCliTest.tmp = tmp;
    GenerateCliTest.tinyExtendedModel();
  }

  private int run(String command, String... more) {
    List<String> a = new ArrayList<>(List.of(command, GENERATE, "checkpoint=" + GenerateCliTest.model,
        "generate.image-tokenizer=" + VQGAN, "generate.grid-height=4", "generate.grid-width=4",
        "generate.max-new-tokens=4"));
    a.addAll(List.of(more));
    return cli.run(a.toArray(String[]::new));
  }

  @Test
  void mjhqPromptsBecomeOnePngPerPromptUnderItsCategoryAndARerunSkipsThem() throws Exception {
    Path meta = tmp.resolve("meta_data.json");
    Files.writeString(meta, """
        {"a1": {"prompt": "a red square", "category": "people"},
         "a2": {"prompt": "a blue circle", "category": "animals"},
         "a3": {"prompt": "a yellow triangle", "category": "people"},
         "a4": {"prompt": "a red circle on a green background", "category": "food"},
         "a5": {"prompt": "a blue square", "category": "animals"},
         "a6": {"prompt": "a green triangle", "category": "people"}}
        """);
    Path images = tmp.resolve("mjhq");
    assertEquals(0, run("generate", "prompts=" + meta, "output-dir=" + images, "generate.batch-size=4"), cli.err());
    List<String> expected = List.of("people/a1", "animals/a2", "people/a3", "food/a4", "animals/a5", "people/a6");
    for (String name : expected) {
      RgbImage image = Images.read(images.resolve(name + ".png"));
      assertEquals(16, image.width(), name);
    }
    assertTrue(cli.out().contains("generate: 6/6 images,") && cli.out().contains("images/s"), cli.out());

    Path first = images.resolve("people/a1.png");
    Files.setLastModifiedTime(first, FileTime.fromMillis(0));
    assertEquals(0, run("generate", "prompts=" + meta, "output-dir=" + images, "generate.batch-size=4"), cli.err());
    assertTrue(cli.out().contains("6 already done, 0 to generate"), cli.out());
    assertEquals(0, Files.getLastModifiedTime(first).toMillis());
  }

  @Test
  void aShardGeneratesEveryNthPromptOfALineFile() throws Exception {
    Path prompts = tmp.resolve("prompts.txt");
    Files.writeString(prompts, "a red square\na blue circle\na yellow triangle\na green square\n");
    Path images = tmp.resolve("shard");
    assertEquals(0, run("generate", "prompts=" + prompts, "output-dir=" + images, "generate.shard=1/2"), cli.err());
    assertFalse(Files.exists(images.resolve("00000.png")));
    assertTrue(Files.exists(images.resolve("00001.png")));
    assertFalse(Files.exists(images.resolve("00002.png")));
    assertTrue(Files.exists(images.resolve("00003.png")));
  }

  @Test
  void tenQuestionsOnDemoLikeImagesAreAnsweredScoredAndNotAskedAgain() throws Exception {
    Path folder = Files.createDirectories(tmp.resolve("vqa"));
    StringBuilder questions = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      byte[] pixels = new byte[16 * 16 * 3];
      for (int p = 0; p < pixels.length; p += 3) {
        pixels[p + i % 3] = (byte) 255; // a red, green or blue square
      }
      Images.write(new RgbImage(16, 16, pixels), folder.resolve("img" + i + ".png"));
      questions.append(new ObjectMapper().createObjectNode().put("question_id", i).put("image", "img" + i + ".png")
          .put("text", "Is the square red?").put("label", i % 3 == 0 ? "yes" : "no")).append('\n');
    }
    Path file = folder.resolve("questions.jsonl");
    Files.writeString(file, questions);
    Path answers = tmp.resolve("answers");
    assertEquals(0, run("answer", "questions=" + file, "output-dir=" + answers, "generate.batch-size=4"), cli.err());
    List<String> lines = Files.readAllLines(answers.resolve(AnswerRecipe.ANSWERS));
    assertEquals(10, lines.size());
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertEquals("0", first.get("question_id").asText());
    assertEquals("Is the square red?", first.get("prompt").asText());
    assertTrue(first.has("text") && first.get("model_id").asText().equals("model"), first.toString());
    assertTrue(cli.out().matches("(?s).*accuracy: [\\d.]+% \\(\\d+ of 10 exact matches\\).*"), cli.out());

    assertEquals(0, run("answer", "questions=" + file, "output-dir=" + answers), cli.err());
    assertTrue(cli.out().contains("10 already answered, 0 to answer"), cli.out());
    assertEquals(10, Files.readAllLines(answers.resolve(AnswerRecipe.ANSWERS)).size());
  }

  @Test
  void exactMatchReadsYesNoAsPopeAndShortAnswersAsGqa() {
    assertTrue(AnswerRecipe.matches("No, there is not.", "no"));
    assertTrue(AnswerRecipe.matches("Yes, there is a dog.", "yes"));
    assertFalse(AnswerRecipe.matches("There is not a dog.", "yes"));
    assertTrue(AnswerRecipe.matches("Red.", "red"));
    assertFalse(AnswerRecipe.matches("dark red", "red"));
    assertFalse(AnswerRecipe.matches(null, "red"));
  }
}
