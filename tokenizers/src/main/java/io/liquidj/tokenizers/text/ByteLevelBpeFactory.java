package io.liquidj.tokenizers.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.framework.tokenizer.TextTokenizerFactory;
import jakarta.inject.Inject;
import java.nio.file.Path;

/**
 * {@code byte-level-bpe}: BPE over GPT-2's byte-level alphabet with the file's Split regex (Llama-3,
 * Qwen2.5, and the files {@link BpeTrainer} writes).
 */
final class ByteLevelBpeFactory implements TextTokenizerFactory {
  @Inject
  ByteLevelBpeFactory() {}

  @Override
  public boolean accepts(JsonNode json) {
    return TokenizerJson.type(json.get("model")).equals("BPE") && isByteLevel(json);
  }

  static boolean isByteLevel(JsonNode json) {
    return TokenizerJson.type(json.get("decoder")).equals("ByteLevel")
        || json.path("pre_tokenizer").toString().contains("\"ByteLevel\"");
  }

  @Override
  public TextTokenizer load(Path dir, JsonNode json) {
    return TokenizerJson.load(dir, json);
  }
}
