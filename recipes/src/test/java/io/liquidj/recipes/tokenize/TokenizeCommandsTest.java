package io.liquidj.recipes.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.Fixtures;
import io.liquidj.framework.cli.LiquidCli;
import io.liquidj.recipes.LiquidModules;
import io.liquidj.tokenizers.text.BpeTrainer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeCommandsTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    out.reset();
    err.reset();
    return new LiquidCli(config -> LiquidModules.all(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void tokenizePrintsLlamaThreeIdsWithAndWithoutBos() throws Exception {
    Path llama = Files.createDirectories(dir.resolve("llama3"));
    try (InputStream in = new GZIPInputStream(Files.newInputStream(Fixtures.fixture("tokenizers/llama3/tokenizer.json.gz")))) {
      Files.copy(in, llama.resolve("tokenizer.json"));
    }
    assertEquals(0, run("tokenize", llama.toString(), "How are you doing?"), err.toString());
    assertEquals("[128000,4438,527,499,3815,30]\n", out());
    assertEquals(0, run("tokenize", llama.resolve("tokenizer.json").toString(), "--no-special", "How are you doing?"));
    assertEquals("[4438,527,499,3815,30]\n", out());
    assertEquals(0, run("detokenize", llama.toString(), "[128000, 4438, 527, 499, 3815, 30]"));
    assertEquals("<|begin_of_text|>How are you doing?\n", out());
  }

  @Test
  void tokenizeJsonlPrintsOneArrayPerLineAndDetokenizeInverts() throws Exception {
    Path tok = dir.resolve("tok");
    BpeTrainer.write(List.of("a red circle on a blue background", "a green square"), 300, tok);
    Path jsonl = dir.resolve("in.jsonl");
    Files.writeString(jsonl, "{\"text\": \"a red square\"}\n\n{\"text\": \"東京 🦊<boi>\"}\n");
    assertEquals(0, run("tokenize", tok.toString(), "--no-special", "--jsonl", jsonl.toString()), err.toString());
    String[] lines = out().split("\n");
    assertEquals(2, lines.length);
    String last = lines[1].substring(lines[1].lastIndexOf(',') + 1, lines[1].length() - 1);
    assertEquals(0, run("detokenize", tok.toString(), "[" + last + "]"));
    assertEquals("<boi>\n", out()); // one token
    assertEquals(0, run("detokenize", tok.toString(), lines[0]));
    assertEquals("a red square\n", out());
    assertEquals(0, run("detokenize", tok.toString(), lines[1]));
    assertEquals("東京 🦊<boi>\n", out());
  }

  @Test
  void badInputsAreUserErrors() throws Exception {
    Path tok = dir.resolve("tok");
    BpeTrainer.write(List.of("hello"), 270, tok);
    assertEquals(2, run("detokenize", tok.toString(), "[99999]"));
    assertTrue(err.toString().contains("99999"), err.toString());
    Files.writeString(dir.resolve("bad.jsonl"), "{\"txt\": 1}\n");
    assertEquals(2, run("tokenize", tok.toString(), "--jsonl", dir.resolve("bad.jsonl").toString()));
    assertTrue(err.toString().contains("bad.jsonl:1"), err.toString());
    assertEquals(2, run("tokenize", dir.resolve("nothing").toString(), "hi"));
  }

  @Test
  void invalidUtf8LineInJsonlIsAUserErrorNamingTheLine() throws Exception {
    Path tok = dir.resolve("tok");
    BpeTrainer.write(List.of("hello"), 270, tok);
    Path jsonl = dir.resolve("latin1.jsonl");
    Files.write(jsonl, new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', 'o', 'k', '"', '}', '\n',
        '{', '"', 't', 'e', 'x', 't', '"', ':', '"', 'c', 'a', 'f', (byte) 0xE9, '"', '}', '\n'});
    assertEquals(2, run("tokenize", tok.toString(), "--jsonl", jsonl.toString()));
    assertTrue(err.toString().contains("latin1.jsonl:2") && err.toString().contains("UTF-8"), err.toString());
  }
}
