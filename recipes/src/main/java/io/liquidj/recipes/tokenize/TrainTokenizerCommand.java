package io.liquidj.recipes.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.tokenizers.text.BpeTrainer;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./liquid train-tokenizer <out-dir> <vocab-size> <in.jsonl> [<in.jsonl> ...]}: learns a byte-level
 * BPE from the {@code "caption"} and {@code "text"} fields of JSONL files and writes a standard
 * {@code tokenizer.json} + {@code tokenizer_config.json} (with {@code <bos>}, {@code <eos>} and the
 * Liquid specials {@code <boi>}, {@code <eoi>}, {@code <unconditional>} as added tokens).
 */
@CommandHelp(
    summary = "Train a small byte-level BPE tokenizer (tokenizer.json) on the captions/texts of JSONL files",
    examples = {"./liquid train-tokenizer runs/demo/tokenizer 400 runs/demo/data/pairs.jsonl runs/demo/data/text.jsonl",
        "./liquid train-tokenizer train-tokenizer.output-dir=runs/tok train-tokenizer.inputs=[runs/demo/data/text.jsonl]"},
    configSections = {"train-tokenizer"})
public final class TrainTokenizerCommand implements LiquidCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject
  TrainTokenizerCommand() {}

  @Override
  public String usage() {
    return "[conf-file] [key=value ...] | <out-dir> <vocab-size> <in.jsonl> [<in.jsonl> ...]";
  }

  @Override
  public List<String> positionalKeys() {
    return List.of("train-tokenizer.output-dir", "train-tokenizer.vocab-size", "train-tokenizer.inputs");
  }

  @Override
  public int maxArguments() {
    return Integer.MAX_VALUE;
  }

  @Override
  public int run(Invocation invocation) throws IOException {
    Path out = Path.of(invocation.required("train-tokenizer.output-dir", "the output folder"));
    String size = invocation.config().getString("train-tokenizer.vocab-size");
    int vocabSize;
    try {
      vocabSize = Integer.parseInt(size);
    } catch (NumberFormatException e) {
      throw new UserError("train-tokenizer.vocab-size must be an integer, got \"" + size + "\"");
    }
    if (vocabSize < 256 + BpeTrainer.SPECIAL_TOKENS.size()) {
      throw new UserError("train-tokenizer.vocab-size must be at least " + (256 + BpeTrainer.SPECIAL_TOKENS.size())
          + " (256 bytes + special tokens), got " + vocabSize);
    }
    List<String> inputs = invocation.config().getStringList("train-tokenizer.inputs");
    if (inputs.isEmpty()) {
      throw new UserError("missing train-tokenizer.inputs: expected at least one JSONL file with \"caption\" or "
          + "\"text\" fields (give train-tokenizer.inputs=[...] or the words after the vocabulary size)");
    }
    List<String> texts = new ArrayList<>();
    for (String file : inputs) {
      texts.addAll(read(Path.of(file)));
    }
    BpeTrainer.write(texts, vocabSize, out);
    invocation.out().println("train-tokenizer: " + texts.size() + " texts -> " + out.resolve("tokenizer.json"));
    return 0;
  }

  private static List<String> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new UserError("JSONL file " + file + " does not exist");
    }
    List<String> texts = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = r.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (IOException e) {
          throw new UserError(file + ":" + number + " is not valid JSON: " + e.getMessage());
        }
        for (String field : List.of("caption", "text")) {
          if (node.hasNonNull(field)) {
            texts.add(node.get(field).asText());
          }
        }
      }
    }
    return texts;
  }
}
