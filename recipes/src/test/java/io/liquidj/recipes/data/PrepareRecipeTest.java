package io.liquidj.recipes.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.data.CharTokenizer;
import io.liquidj.framework.data.Shard;
import io.liquidj.recipes.TestCli;
import io.liquidj.recipes.TestTokenizers;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrepareRecipeTest {
  @TempDir Path dir;

  @Test
  void prepareTokenizesWithTheAcceptingTokenizerAndPrintsOneSummary() throws Exception {
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Char\"}}");
    BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    var g = img.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(0, 0, 8, 8);
    g.dispose();
    ImageIO.write(img, "png", dir.resolve("red.png").toFile());
    Files.writeString(dir.resolve("m.jsonl"),
        "{\"image\": \"red.png\", \"caption\": \"red\"}\n{\"image\": \"nope.png\", \"caption\": \"x\"}\n");
    Path out = dir.resolve("prepared");
    TestCli cli = new TestCli(new TestTokenizers());
    int code = cli.run("prepare", "data.prepare.output-dir=" + out, "data.prepare.pairs=[\"" + dir.resolve("m.jsonl") + "\"]",
        "data.prepare.tokenizer=" + dir, "data.prepare.image-tokenizer=" + dir, "data.prepare.image-size=8",
        "data.prepare.min-image-size=4", "data.prepare.image-tokenizer-kind=test-quantizer");
    String printed = cli.out();
    assertEquals(0, code, printed + cli.err());
    assertTrue(printed.contains("2 records, 1 images read, 1 examples written; skipped 1: missing-file 1"), printed);
    Shard shard = Shard.open(out.resolve("p00-m-00000.lqd"));
    assertEquals(1, shard.size());
    assertEquals("red", new CharTokenizer().decode(shard.get(0).textIds(), true));
  }

  @Test
  void prepareThatWritesNoExampleExitsTwoWithTheSkipCounts() throws Exception {
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Char\"}}");
    Files.writeString(dir.resolve("t.jsonl"), "{\"txt\": \"wrong field\"}\nnot json\n");
    TestCli cli = new TestCli(new TestTokenizers());
    int code = cli.run("prepare", "data.prepare.output-dir=" + dir.resolve("prepared"), "data.prepare.texts=[\"" + dir.resolve("t.jsonl") + "\"]",
        "data.prepare.tokenizer=" + dir);
    String printed = cli.err();
    assertEquals(2, code, printed);
    assertTrue(printed.contains("0 examples written") && printed.contains("bad-json 1, empty-text 1"), printed);
    assertEquals(1, printed.strip().lines().count(), printed);
  }
}
