package io.liquidj.tokenizers.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.framework.tokenizer.TextTokenizerFactory;
import jakarta.inject.Inject;
import java.nio.file.Path;

/**
 * {@code sentencepiece-bpe}: SentencePiece-style BPE over characters, spaces as {@code ▁} (a Replace
 * normalizer or Metaspace), {@code <0xXX>} byte fallback (Gemma, Gemma-2).
 */
final class SentencePieceBpeFactory implements TextTokenizerFactory {
  @Inject
  SentencePieceBpeFactory() {}

  @Override
  public boolean accepts(JsonNode json) {
    if (!TokenizerJson.type(json.get("model")).equals("BPE") || ByteLevelBpeFactory.isByteLevel(json)) {
      return false;
    }
    String parts = json.path("normalizer").toString() + json.path("pre_tokenizer") + json.path("decoder");
    return json.path("model").path("byte_fallback").asBoolean(false) || parts.contains("\u2581") || parts.contains("Metaspace");
  }

  @Override
  public TextTokenizer load(Path dir, JsonNode json) {
    return TokenizerJson.load(dir, json);
  }
}
