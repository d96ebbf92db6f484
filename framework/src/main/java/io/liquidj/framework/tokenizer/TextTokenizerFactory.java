package io.liquidj.framework.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * Loads one kind of {@code tokenizer.json} (registered by kind in a {@code MapBinder}, e.g.
 * {@code byte-level-bpe} for Llama-3 and Qwen2.5, {@code sentencepiece-bpe} for Gemma).
 */
public interface TextTokenizerFactory {
  /** Whether this kind reads the given parsed {@code tokenizer.json}. */
  boolean accepts(JsonNode tokenizerJson);

  /**
   * The tokenizer in {@code dir} ({@code tokenizer.json} and, if present, {@code
   * tokenizer_config.json}).
   */
  TextTokenizer load(Path dir, JsonNode tokenizerJson);
}
