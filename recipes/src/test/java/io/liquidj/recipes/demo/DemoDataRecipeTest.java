package io.liquidj.recipes.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoDataRecipeTest {
  @TempDir Path dir;

  /** The records of a JSONL file the demo data wrote, one a line. */
  private static List<JsonNode> records(Path jsonl) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> records = new ArrayList<>();
    for (String line : Files.readAllLines(jsonl)) {
      records.add(json.readTree(line));
    }
    return records;
  }

  @Test
  void heldOutScenesAreCombinationsNeverSeenInTraining() throws Exception {
    DemoDataRecipe.DemoSettings s = new DemoDataRecipe.DemoSettings(dir, 3, 32, 2000, 2, 10, 48);
    DemoDataRecipe.write(s);
    Set<String> training = new HashSet<>();
    for (JsonNode pair : records(s.dataDir().resolve("pairs.jsonl"))) {
      training.add(pair.get("caption").asText());
    }
    Set<String> heldout = new HashSet<>();
    for (JsonNode o : records(s.dataDir().resolve("heldout.jsonl"))) {
      heldout.add(o.get("caption").asText());
      assertFalse(training.contains(o.get("caption").asText()), o.toString());
    }
    assertEquals(48, heldout.size(), "distinct held-out combinations");
  }

  @Test
  void jitteredTrainingImagesDifferYetStillShowTheirCaption() throws Exception {
    DemoDataRecipe.DemoSettings s = new DemoDataRecipe.DemoSettings(dir, 3, 32, 300, 1, 0, 48);
    DemoDataRecipe.write(s);
    Set<String> captions = new HashSet<>();
    Set<String> pictures = new HashSet<>();
    for (JsonNode pair : records(s.dataDir().resolve("pairs.jsonl"))) {
      String caption = pair.get("caption").asText();
      java.awt.image.BufferedImage image =
          javax.imageio.ImageIO.read(s.dataDir().resolve(pair.get("image").asText()).toFile());
      SceneJudge.Verdict v = SceneJudge.judge(image);
      assertEquals(caption, "a " + v.color() + " " + v.shape() + " at the " + v.position() + " on a " + v.background()
          + " background", "the judge reads a jittered picture as its caption");
      captions.add(caption);
      pictures.add(java.util.Arrays.toString(image.getRGB(0, 0, 32, 32, null, 0, 32)));
    }
    assertTrue(pictures.size() > captions.size() + 50,
        pictures.size() + " distinct pictures of " + captions.size() + " scenes");
  }
}
