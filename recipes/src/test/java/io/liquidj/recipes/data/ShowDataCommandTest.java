package io.liquidj.recipes.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.recipes.TestCli;
import io.liquidj.recipes.TestShards;
import io.liquidj.recipes.TestTokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./liquid show-data on demo-like tiny data: 4×4-code pairs with short captions and short texts. */
class ShowDataCommandTest {
  @TempDir Path dir;
  private String sources;

  @BeforeEach
  void prepareData() throws Exception {
    TestShards.write(dir, 50, i -> "a red square " + i, i -> "some text " + i);
    sources = "[{ path = \"" + dir.resolve("pairs") + "\", ratio = 3 }, { path = \"" + dir.resolve("text") + "\" }]";
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Char\"}}");
  }

  private String showData(String... overrides) {
    List<String> args = new ArrayList<>(List.of("show-data", "backbone=tiny-llama", "trainer.image-codes=" + TestShards.CODES,
        "trainer.tokenizer=" + dir, "data.sources=" + sources, "data.max-length=64", "trainer.seq-len=64"));
    args.addAll(List.of(overrides));
    TestCli cli = new TestCli(new TestTokenizers());
    int code = cli.run(args.toArray(String[]::new));
    String printed = cli.out();
    assertEquals(0, code, printed + cli.err());
    return printed;
  }

  @Test
  void printsSequencesWithCodeRunsCompactAndTrainedSpansMarked() {
    String printed = showData("n=8", "data.reverse-ratio=0.5", "data.cfg-dropout=0", "data.t2i-suffix=[\" draw\"]");
    assertEquals(8, printed.lines().filter(l -> l.startsWith("sequence ")).count(), printed);
    // text→image: the caption and instruction are context; codes, <eoi>, <eos> trained.
    assertTrue(printed.matches("(?s).*<bos>a red square \\d+ draw<boi>« \\[16 codes\\] <eoi><eos>».*"), printed);
    // image→text: codes are context; caption and <eos> trained.
    assertTrue(printed.matches("(?s).*<bos><boi> \\[16 codes\\] <eoi>The caption of this image is:«a red square \\d+<eos>».*"),
        printed);
    assertTrue(printed.matches("(?s).*<bos>«some text \\d+<eos>».*"), printed);
  }

  @Test
  void measuresTheReleasedSharesOfEachLayout() {
    String printed = showData("n=1", "show-data.examples=4000", "data.reverse-ratio=0.9");
    Matcher m = Pattern.compile("layouts of the first (\\d+) documents: text→image ([\\d.]+)% \\(\\d+\\) "
        + "unconditional ([\\d.]+)% \\(\\d+\\) image→text ([\\d.]+)% \\(\\d+\\) text-only ([\\d.]+)%").matcher(printed);
    assertTrue(m.find(), printed);
    assertTrue(Integer.parseInt(m.group(1)) >= 4000, printed);
    // 3:1 pairs to text; of pairs 90% image→text, 9% text→image, 1% unconditional.
    assertEquals(75 * 0.09, Double.parseDouble(m.group(2)), 1.5, printed);
    assertEquals(75 * 0.01, Double.parseDouble(m.group(3)), 0.6, printed);
    assertEquals(75 * 0.9, Double.parseDouble(m.group(4)), 2.5, printed);
    assertEquals(25, Double.parseDouble(m.group(5)), 2.5, printed);
  }
}
