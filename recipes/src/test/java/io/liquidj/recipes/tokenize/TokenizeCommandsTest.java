package io.liquidj.recipes.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.Fixtures;
import io.liquidj.recipes.TestCli;
import io.liquidj.tokenizers.text.BpeTrainer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeCommandsTest {
  @TempDir Path dir;
  private final TestCli cli = new TestCli();

  @Test
  void tokenizePrintsLlamaThreeIdsWithAndWithoutBos() throws Exception {
    Path llama = Files.createDirectories(dir.resolve("llama3"));
    try (InputStream in = new GZIPInputStream(Files.newInputStream(Fixtures.fixture("tokenizers/llama3/tokenizer.json.gz")))) {
      Files.copy(in, llama.resolve("tokenizer.json"));
    }
    assertEquals(0, cli.run("tokenize", llama.toString(), "How are you doing?"), cli.err());
    assertEquals("[128000,4438,527,499,3815,30]\n", cli.out());
    assertEquals(0, cli.run("tokenize", llama.resolve("tokenizer.json").toString(), "--no-special", "How are you doing?"));
    assertEquals("[4438,527,499,3815,30]\n", cli.out());
    assertEquals(0, cli.run("detokenize", llama.toString(), "[128000, 4438, 527, 499, 3815, 30]"));
    assertEquals("<|begin_of_text|>How are you doing?\n", cli.out());
  }

  @Test
  void tokenizeJsonlPrintsOneArrayPerLineAndDetokenizeInverts() throws Exception {
    Path tok = dir.resolve("tok");
    BpeTrainer.write(List.of("a red circle on a blue background", "a green square"), 300, tok);
    Path jsonl = dir.resolve("in.jsonl");
    Files.writeString(jsonl, "{\"text\": \"a red square\"}\n\n{\"text\": \"東京 🦊<boi>\"}\n");
    assertEquals(0, cli.run("tokenize", tok.toString(), "--no-special", "--jsonl", jsonl.toString()), cli.err());
    String[] lines = cli.out().split("\n");
    assertEquals(2, lines.length);
    String last = lines[1].substring(lines[1].lastIndexOf(',') + 1, lines[1].length() - 1);
    assertEquals(0, cli.run("detokenize", tok.toString(), "[" + last + "]"));
    assertEquals("<boi>\n", cli.out()); // one token
    assertEquals(0, cli.run("detokenize", tok.toString(), lines[0]));
    assertEquals("a red square\n", cli.out());
    assertEquals(0, cli.run("detokenize", tok.toString(), lines[1]));
    assertEquals("東京 🦊<boi>\n", cli.out());
  }

  @Test
  void badInputsAreUserErrors() throws Exception {
    Path tok = dir.resolve("tok");
    BpeTrainer.write(List.of("hello"), 270, tok);
    assertEquals(2, cli.run("detokenize", tok.toString(), "[99999]"));
    assertTrue(cli.err().contains("99999"), cli.err());
    Files.writeString(dir.resolve("bad.jsonl"), "{\"txt\": 1}\n");
    assertEquals(2, cli.run("tokenize", tok.toString(), "--jsonl", dir.resolve("bad.jsonl").toString()));
    assertTrue(cli.err().contains("bad.jsonl:1"), cli.err());
    assertEquals(2, cli.run("tokenize", dir.resolve("nothing").toString(), "hi"));
  }

  @Test
  void invalidUtf8LineInJsonlIsAUserErrorNamingTheLine() throws Exception {
    Path tok = dir.resolve("tok");
    BpeTrainer.write(List.of("hello"), 270, tok);
    Path jsonl = dir.resolve("latin1.jsonl");
    Files.write(jsonl, new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', 'o', 'k', '"', '}', '\n',
        '{', '"', 't', 'e', 'x', 't', '"', ':', '"', 'c', 'a', 'f', (byte) 0xE9, '"', '}', '\n'});
    assertEquals(2, cli.run("tokenize", tok.toString(), "--jsonl", jsonl.toString()));
    assertTrue(cli.err().contains("latin1.jsonl:2") && cli.err().contains("UTF-8"), cli.err());
  }
}
