package io.liquidj.recipes.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Module;
import io.liquidj.framework.cli.LiquidCli;
import io.liquidj.framework.data.CharTokenizer;
import io.liquidj.framework.data.Example;
import io.liquidj.framework.data.PrepareCounts;
import io.liquidj.framework.data.ShardWriter;
import io.liquidj.recipes.LiquidModules;
import io.liquidj.recipes.TestTokenizers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./liquid show-data on demo-like tiny data: 4×4-code pairs with short captions and short texts. */
class ShowDataCommandTest {
  private static final int CODES = 32;

  @TempDir Path dir;
  private String sources;

  @BeforeEach
  void prepareData() throws Exception {
    SplittableRandom random = new SplittableRandom(3);
    CharTokenizer chars = new CharTokenizer();
    ShardWriter pairs = new ShardWriter(chars.size(), CODES);
    ShardWriter texts = new ShardWriter(chars.size(), CODES);
    for (int i = 0; i < 50; i++) {
      pairs.add(Example.pair(chars.encode("a red square " + i, false), random.ints(16, 0, CODES).toArray(), 4, 4));
      texts.add(Example.text(chars.encode("some text " + i, false)));
    }
    pairs.write(Files.createDirectories(dir.resolve("pairs")).resolve("a.lqd"), new PrepareCounts());
    texts.write(Files.createDirectories(dir.resolve("text")).resolve("a.lqd"), new PrepareCounts());
    sources = "[{ path = \"" + dir.resolve("pairs") + "\", ratio = 3 }, { path = \"" + dir.resolve("text") + "\" }]";
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Char\"}}");
  }

  private String showData(String... overrides) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    List<Module> modules = new ArrayList<>(LiquidModules.all());
    modules.add(new TestTokenizers());
    List<String> args = new ArrayList<>(List.of("show-data", "backbone=tiny-llama", "trainer.image-codes=" + CODES,
        "trainer.tokenizer=" + dir, "data.sources=" + sources, "data.max-length=64", "trainer.seq-len=64"));
    args.addAll(List.of(overrides));
    int code = new LiquidCli(c -> modules, new PrintStream(stdout, true, StandardCharsets.UTF_8), System.err)
        .run(args.toArray(String[]::new));
    String printed = stdout.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, printed);
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
