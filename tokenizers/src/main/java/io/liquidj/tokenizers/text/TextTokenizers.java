package io.liquidj.tokenizers.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.liquidj.framework.UserError;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.framework.tokenizer.TextTokenizerFactory;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads the text tokenizer of a folder (or of a {@code tokenizer.json} file), choosing the
 * registered kind that accepts the file.
 */
public final class TextTokenizers {
  private final Map<String, TextTokenizerFactory> factories;

  @Inject
  public TextTokenizers(Map<String, TextTokenizerFactory> factories) {
    this.factories = new TreeMap<>(factories);
  }

  /** The tokenizer of {@code dirOrFile}: a folder holding {@code tokenizer.json}, or that file. */
  public TextTokenizer load(Path dirOrFile) {
    Path file = tokenizerJson(dirOrFile);
    JsonNode json = TokenizerJson.read(file);
    Path dir = file.toAbsolutePath().getParent();
    for (Map.Entry<String, TextTokenizerFactory> e : factories.entrySet()) {
      if (e.getValue().accepts(json)) {
        return e.getValue().load(dir, json);
      }
    }
    throw new UserError(file + ": no registered text tokenizer reads this file (found " + TokenizerJson.describe(json)
        + "); supported kinds: " + String.join(", ", factories.keySet())
        + " (BPE with a ByteLevel pre-tokenizer and decoder, e.g. Llama-3, Qwen2.5; BPE with byte_fallback or ▁ spaces, e.g. Gemma)");
  }

  /** The chat format of {@code dirOrFile}'s {@code tokenizer_config.json} chat template. */
  public ChatFormat chatFormat(Path dirOrFile) {
    Path config = tokenizerJson(dirOrFile).toAbsolutePath().getParent().resolve(TokenizerJson.TOKENIZER_CONFIG);
    if (!Files.isRegularFile(config)) {
      return ChatFormat.PLAIN;
    }
    JsonNode template = TokenizerJson.read(config).get("chat_template");
    return ChatFormat.fromTemplate(template == null || !template.isTextual() ? null : template.asText(), config.toString());
  }

  /**
   * {@code tokenizer} with never-split special tokens of given ids ({@code <boi>}, {@code <eoi>},
   * {@code <unconditional>}), see {@link HfTokenizer#withSpecialTokens}.
   */
  public static TextTokenizer withSpecialTokens(TextTokenizer tokenizer, Map<String, Integer> tokens) {
    if (tokenizer instanceof HfTokenizer hf) {
      return hf.withSpecialTokens(tokens);
    }
    throw new IllegalArgumentException("special tokens can be added only to tokenizer.json tokenizers, not " + tokenizer.getClass());
  }

  private static Path tokenizerJson(Path dirOrFile) {
    if (Files.isDirectory(dirOrFile)) {
      Path file = dirOrFile.resolve(TokenizerJson.TOKENIZER_JSON);
      if (!Files.isRegularFile(file)) {
        throw new UserError(dirOrFile + ": expected a folder with " + TokenizerJson.TOKENIZER_JSON + ", found none");
      }
      return file;
    }
    if (!Files.isRegularFile(dirOrFile)) {
      throw new UserError(dirOrFile + ": expected a tokenizer folder or a tokenizer.json file, found nothing there");
    }
    return dirOrFile;
  }
}
