package io.liquidj.recipes.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoDataRecipeTest {
  @TempDir Path dir;

  @Test
  void heldOutScenesAreCombinationsNeverSeenInTraining() throws Exception {
    DemoDataRecipe.DemoSettings s = new DemoDataRecipe.DemoSettings(dir, 3, 32, 2000, 10, 48);
    DemoDataRecipe.write(s);
    ObjectMapper json = new ObjectMapper();
    Set<String> training = new HashSet<>();
    for (String line : Files.readAllLines(s.dataDir().resolve("pairs.jsonl"))) {
      training.add(json.readTree(line).get("caption").asText());
    }
    Set<String> heldout = new HashSet<>();
    for (String line : Files.readAllLines(s.dataDir().resolve("heldout.jsonl"))) {
      JsonNode o = json.readTree(line);
      heldout.add(o.get("caption").asText());
      assertFalse(training.contains(o.get("caption").asText()), o.toString());
    }
    assertEquals(48, heldout.size(), "distinct held-out combinations");
  }
}
