package io.liquidj.tokenizers.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.framework.backbone.VocabularyExtension.SpecialSlots;
import io.liquidj.framework.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A saved model's tokenizer names every embedding row, for transformers and for liquidj alike. */
class TokenizerFolderTest {
  private static final int CODES = 16;

  @TempDir Path tmp;

  /** A text architecture of {@code rows} rows extended by {@link #CODES} codes as {@code tokenizer} plans it. */
  private static ModelConfig extended(String modelType, int rows, TextTokenizer tokenizer) {
    ObjectNode json = new ObjectMapper().createObjectNode();
    json.put("model_type", modelType).put("vocab_size", rows).put("hidden_size", 8).put("intermediate_size", 16)
        .put("num_hidden_layers", 1).put("num_attention_heads", 2).put("max_position_embeddings", 4096)
        .put("eos_token_id", tokenizer.eosId().getAsInt());
    ModelConfig text = ModelConfig.fromJson(json, modelType);
    return VocabularyExtension.extendedConfig(text,
        VocabularyExtension.plan(tokenizer, CODES, rows, SpecialSlots.AUTO));
  }

  private Path written(String name, ModelConfig config) throws Exception {
    Path model = Files.createDirectories(tmp.resolve("model-" + name));
    TokenizerFolder.write(RealTokenizers.unpack(name, tmp), model, config);
    return model;
  }

  @Test
  void qwenCodesAndSpecialsInTheSpareRowsReadBackAtTheirIds() throws Exception {
    TextTokenizer qwen = RealTokenizers.load("qwen2.5", tmp.resolve("src"));
    ModelConfig config = extended("qwen2", 151_936, qwen);
    MultimodalVocabulary vocab = MultimodalVocabulary.of(config);
    Path model = written("qwen2.5", config);

    TextTokenizer reread = RealTokenizers.loader().load(model);
    assertEquals(OptionalInt.of(vocab.boiTokenId()), reread.tokenId("<boi>"));
    assertEquals(OptionalInt.of(vocab.unconditionalTokenId()), reread.tokenId("<unconditional>"));
    assertEquals(OptionalInt.of(vocab.imageToken(5)), reread.tokenId("<img_5>"));
    int[] ids = {vocab.boiTokenId(), vocab.imageToken(0), vocab.imageToken(15), vocab.eoiTokenId()};
    assertEquals("<boi><img_0><img_15><eoi>", reread.decode(ids, false));
    assertEquals("<img_0><img_15>", reread.decode(ids, true));

    // tokenizers numbers added tokens consecutively from the vocabulary's end: the file must too.
    JsonNode added = new ObjectMapper().readTree(model.resolve("tokenizer.json").toFile()).get("added_tokens");
    for (int i = 1; i < added.size(); i++) {
      int previous = added.get(i - 1).get("id").asInt();
      int id = added.get(i).get("id").asInt();
      assertTrue(id == previous + 1, "added token ids jump from " + previous + " to " + id);
    }
    assertEquals(config.vocabSize() - 1, added.get(added.size() - 1).get("id").asInt());
  }

  @Test
  void gemmaReservedSlotsAreRenamedToTheSpecials() throws Exception {
    TextTokenizer gemma = RealTokenizers.load("gemma", tmp.resolve("src"));
    ModelConfig config = extended("gemma", 256_000, gemma);
    Path model = written("gemma", config);

    TextTokenizer reread = RealTokenizers.loader().load(model);
    assertEquals(OptionalInt.of(7), reread.tokenId("<boi>"));
    assertEquals(OptionalInt.empty(), reread.tokenId("<unused0>"));
    assertEquals("<boi><img_3>", reread.decode(new int[] {7, 256_003}, false));
    JsonNode tokenizerConfig = new ObjectMapper().readTree(model.resolve("tokenizer_config.json").toFile());
    assertEquals("<boi>", tokenizerConfig.get("added_tokens_decoder").get("7").get("content").asText());
    assertEquals(4096, tokenizerConfig.get("model_max_length").asInt());
    assertEquals("<pad>", tokenizerConfig.get("pad_token").asText());
  }

  @Test
  void llamaGetsAPadTokenAndASpecialTokensMap() throws Exception {
    TextTokenizer llama = RealTokenizers.load("llama3", tmp.resolve("src"));
    ModelConfig config = extended("llama", 128_256, llama);
    Path model = written("llama3", config);
    ObjectMapper json = new ObjectMapper();
    JsonNode tokenizerConfig = json.readTree(model.resolve("tokenizer_config.json").toFile());
    assertEquals("<|eot_id|>", tokenizerConfig.get("pad_token").asText());
    JsonNode map = json.readTree(model.resolve("special_tokens_map.json").toFile());
    assertEquals("<|eot_id|>", map.get("pad_token").asText());
    assertEquals("<|begin_of_text|>", map.get("bos_token").asText());
    assertEquals("<unconditional>", map.get("additional_special_tokens").get(2).asText());
    assertFalse(reread(model).decode(new int[] {128_256 + 3}, true).isEmpty());
  }

  private static TextTokenizer reread(Path model) {
    return RealTokenizers.loader().load(model);
  }
}
