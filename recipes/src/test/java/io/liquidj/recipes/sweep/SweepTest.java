package io.liquidj.recipes.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.recipes.TestCli;
import io.liquidj.recipes.TestShards;
import io.liquidj.recipes.TestTokenizers;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./liquid sweep} over a tiny base recipe (tiny shapes from scratch, 4 steps, char tokenizer,
 * 32 image codes, hand-written shards): the table, the charts, reruns, failures.
 */
class SweepTest {
  @TempDir Path dir;
  private String sources;

  /** Outcome of one {@code ./liquid sweep}: exit code and console. */
  private record Run(int code, String printed) {}

  @BeforeEach
  void prepareDataAndBaseRecipe() throws Exception {
    TestShards.write(dir, 12, i -> "caption " + i, i -> "some text number " + i + " to read");
    Files.writeString(Files.createDirectories(dir.resolve("tokenizer")).resolve("tokenizer.json"),
        "{\"model\": {\"type\": \"Char\"}}");
    sources = TestShards.sources(dir);
    Files.writeString(dir.resolve("base.conf"), """
        # ./liquid train base.conf
        trainer { steps = 1000, batch-size = 2, seq-len = 64, lr = 1e-2, image-codes = %d, tokenizer = "%s",
                  log-every = 1, checkpoint-every = 2 }
        data { sources = %s, max-length = 64, t2i-suffix = [" draw"], i2t-prefix = "is:" }
        """.formatted(TestShards.CODES, dir.resolve("tokenizer"), sources));
  }

  /** A sweep file over base.conf: {@code points} is its axes or points section; every point trains 4 steps. */
  private Path sweepFile(String points) throws IOException {
    return Files.writeString(dir.resolve("sweep.conf"), """
        sweep {
          recipe = "%s"
          output-dir = "%s"
          %s
          evaluate { data.sources = %s, data.reverse-ratio = 0.5, evaluate.batches = 1, evaluate.batch-size = 2 }
        }
        trainer.steps = 4
        """.formatted(dir.resolve("base.conf"), dir.resolve("sweep"), points, sources));
  }

  private Run sweep(Path sweepFile) {
    TestCli cli = new TestCli(new TestTokenizers());
    int code = cli.run("sweep", sweepFile.toString());
    return new Run(code, cli.out());
  }

  /** results.csv as one map per row, header → field (fields here hold no commas or quotes, except error). */
  private List<Map<String, String>> csvRows() throws IOException {
    List<String> lines = Files.readAllLines(dir.resolve("sweep/results.csv"));
    List<String> header = Arrays.asList(lines.get(0).split(","));
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] fields = line.split(",", header.size());
      Map<String, String> row = new HashMap<>();
      for (int i = 0; i < header.size(); i++) {
        row.put(header.get(i), fields[i]);
      }
      rows.add(row);
    }
    return rows;
  }

  private long eventFiles() throws IOException {
    try (Stream<Path> s = Files.walk(dir.resolve("sweep"))) {
      return s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).count();
    }
  }

  @Test
  void twoByTwoGridWritesFourRowsAndChartsAndARerunTrainsNothing() throws Exception {
    Path file = sweepFile("axes { backbone = [tiny-llama, tiny-gemma2], \"data.reverse-ratio\" = [0, 0.5] }");
    Run first = sweep(file);
    assertEquals(0, first.code(), first.printed());

    List<Map<String, String>> rows = csvRows();
    assertEquals(List.of("tiny-gemma2_reverse-ratio-0", "tiny-gemma2_reverse-ratio-0.5", "tiny-llama_reverse-ratio-0",
        "tiny-llama_reverse-ratio-0.5"), rows.stream().map(r -> r.get("point")).sorted().toList());
    for (Map<String, String> row : rows) {
      assertEquals("finished", row.get("status"), row.toString());
      assertEquals("512", row.get("trained_tokens"), "4 steps of 2 rows of 64 tokens: " + row);
      long parameters = Long.parseLong(row.get("parameters"));
      assertEquals(6.0 * parameters * 512, Double.parseDouble(row.get("flops")), 6.0 * parameters * 512 * 1e-3);
      assertTrue(Double.parseDouble(row.get("heldout_image_loss")) > 0, row.toString());
      assertTrue(Double.parseDouble(row.get("heldout_text_loss")) > 0, row.toString());
      assertTrue(Files.isRegularFile(dir.resolve("sweep/" + row.get("point") + "/config.resolved.conf")));
    }
    assertTrue(Files.readString(dir.resolve("sweep/results.md")).contains("| tiny-llama_reverse-ratio-0.5 | tiny-llama | 0.5 |"));
    for (String chart : List.of("loss-curves.png", "heldout-vs-compute.png", "heldout-by-backbone.png",
        "heldout-by-point.png")) {
      BufferedImage image = ImageIO.read(dir.resolve("sweep/" + chart).toFile());
      assertNotNull(image, chart + " decodes as an image");
      assertEquals(900, image.getWidth(), chart);
    }

    long events = eventFiles();
    String csv = Files.readString(dir.resolve("sweep/results.csv"));
    Run again = sweep(file);
    assertEquals(0, again.code(), again.printed());
    assertEquals(4, again.printed().split("finished earlier, skipped", -1).length - 1, again.printed());
    assertEquals(events, eventFiles(), "a rerun starts no training run (each writes an events file)");
    assertEquals(csv, Files.readString(dir.resolve("sweep/results.csv")));
  }

  @Test
  void pointWithABadKeyFailsAloneAndIsReported() throws Exception {
    Run run = sweep(sweepFile("points = [{ name = good, backbone = tiny-qwen2 }, { name = bad, trainer.stpes = 3 }]"));
    assertEquals(1, run.code(), run.printed());
    assertTrue(run.printed().contains("sweep 2/2 bad: FAILED: unknown key \"trainer.stpes\""), run.printed());
    Map<String, Map<String, String>> byName = new HashMap<>();
    csvRows().forEach(r -> byName.put(r.get("point"), r));
    assertEquals("finished", byName.get("good").get("status"));
    assertEquals("failed", byName.get("bad").get("status"));
    assertTrue(Files.readString(dir.resolve("sweep/results.md")).contains("| failed: unknown key \"trainer.stpes\""));
  }
}
