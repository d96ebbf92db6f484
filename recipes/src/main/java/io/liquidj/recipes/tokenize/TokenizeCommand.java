package io.liquidj.recipes.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.data.Utf8Text;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.tokenizers.text.TextTokenizers;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code ./liquid tokenize <tokenizer> [--no-special] "<text>"} prints the ids as a JSON array;
 * with {@code --jsonl <in.jsonl>}, one array per input line {@code {"text": ...}}, in order. The words and flags
 * are sugar for the {@code tokenize.*} keys.
 */
@CommandHelp(
    summary = "Print the token ids of a text (or of each {\"text\": ...} line of --jsonl) as JSON arrays",
    examples = {"./liquid tokenize runs/demo/tokenizer \"a red circle\"",
        "./liquid tokenize tokenize.tokenizer=runs/demo/tokenizer tokenize.jsonl=runs/demo/data/text.jsonl"},
    configSections = {"tokenize", "tokenizer"})
public final class TokenizeCommand implements LiquidCommand {
  private final TextTokenizers tokenizers;

  @Inject
  TokenizeCommand(TextTokenizers tokenizers) {
    this.tokenizers = tokenizers;
  }

  @Override
  public String usage() {
    return "[conf-file] [key=value ...] | <tokenizer-dir-or-file> [--no-special] (\"<text>\" | --jsonl <in.jsonl>)";
  }

  @Override
  public List<String> positionalKeys() {
    return List.of("tokenize.tokenizer", "tokenize.text");
  }

  @Override
  public List<Flag> flags() {
    return List.of(new Flag("--no-special", false, "tokenize.no-special"), new Flag("--jsonl", true, "tokenize.jsonl"));
  }

  @Override
  public int run(Invocation invocation) throws IOException {
    TextTokenizer tokenizer = tokenizers.load(Path.of(invocation.required("tokenize.tokenizer",
        "a tokenizer folder or tokenizer.json")));
    boolean addSpecial = !invocation.config().getBoolean("tokenize.no-special");
    String jsonl = invocation.config().getString("tokenize.jsonl");
    if (jsonl.isEmpty()) {
      invocation.out().println(json(tokenizer.encode(invocation.required("tokenize.text",
          "the text to tokenize (or tokenize.jsonl=<file>)"), addSpecial)));
      return 0;
    }
    Path file = Path.of(jsonl);
    if (!Files.isRegularFile(file)) {
      throw new UserError("tokenize.jsonl " + file + ": expected a file of {\"text\": ...} lines, found none");
    }
    ObjectMapper mapper = new ObjectMapper();
    try (Utf8Text.Lines in = new Utf8Text.Lines(file)) {
      for (Utf8Text.Line next; (next = in.next()) != null; ) {
        long lineNumber = next.number();
        if (!next.decoded().ok()) {
          throw new UserError(file + ":" + lineNumber + ": expected UTF-8 text, found " + next.decoded().problem());
        }
        String line = next.decoded().text();
        if (line.isBlank()) {
          continue;
        }
        JsonNode text;
        try {
          text = mapper.readTree(line).get("text");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new UserError(file + ":" + lineNumber + ": expected a JSON object {\"text\": ...}: " + e.getOriginalMessage());
        }
        if (text == null || !text.isTextual()) {
          throw new UserError(file + ":" + lineNumber + ": expected a string field \"text\", found " + line);
        }
        invocation.out().println(json(tokenizer.encode(text.asText(), addSpecial)));
      }
    }
    return 0;
  }

  static String json(int[] ids) {
    return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
  }
}
