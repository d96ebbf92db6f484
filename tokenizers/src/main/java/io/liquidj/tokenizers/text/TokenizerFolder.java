package io.liquidj.tokenizers.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.VocabularyExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the tokenizer files of a saved model folder from the tokenizer it was trained with, so that
 * transformers' {@code AutoTokenizer} and liquidj's {@link HfTokenizer} both read every id of the model:
 *
 * <ul>
 *   <li>{@code tokenizer.json}: each embedding row past the text vocabulary becomes an added token, image
 *       code c {@code <img_c>} at {@code image_code_offset + c}, and {@code <boi>}, {@code <eoi>},
 *       {@code <unconditional>} at the ids the vocabulary extension chose (a reserved token such as Gemma's
 *       {@code <unused0>} is renamed). Rows no token names (Qwen2.5's spare rows) get placeholders, because
 *       tokenizers gives added tokens consecutive ids from the vocabulary's end, whatever the file says
 *       (the warning "Token ... was expected to have ID ..."): without the gap filled, every code would
 *       shift.
 *   <li>{@code tokenizer_config.json}: {@code model_max_length} = the model's context, a pad token, and
 *       {@code added_tokens_decoder} matching tokenizer.json.
 *   <li>{@code special_tokens_map.json}: BOS, EOS, pad (and UNK where the tokenizer has one) and the three
 *       Liquid specials.
 * </ul>
 *
 * <p>Image codes are plain added tokens (not special), so a decode shows them even when it skips
 * special tokens; the three Liquid specials are special.
 */
public final class TokenizerFolder {
  /** The text of image code c. */
  public static final String IMAGE_TOKEN_FORMAT = "<img_%d>";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKENIZER_JSON = "tokenizer.json";
  private static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  private static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";

  private TokenizerFolder() {}

  /**
   * Writes the tokenizer files of {@code modelDir} (a model of architecture {@code config}) from the tokenizer
   * folder {@code tokenizerDir}; returns the names written. Without a tokenizer.json there, the files present
   * are copied as they are.
   */
  public static List<String> write(Path tokenizerDir, Path modelDir, ModelConfig config) throws IOException {
    Path source = tokenizerDir.resolve(TOKENIZER_JSON);
    if (!Files.isRegularFile(source)) {
      List<String> copied = new ArrayList<>();
      for (String name : List.of(TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP)) {
        if (Files.isRegularFile(tokenizerDir.resolve(name))) {
          Files.copy(tokenizerDir.resolve(name), modelDir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          copied.add(name);
        }
      }
      return copied;
    }
    ObjectNode tokenizer = readObject(source);
    Map<Integer, String> texts = extend(tokenizer, config);
    ObjectNode tokenizerConfig = Files.isRegularFile(tokenizerDir.resolve(TOKENIZER_CONFIG))
        ? readObject(tokenizerDir.resolve(TOKENIZER_CONFIG)) : JSON.createObjectNode();
    completeConfig(tokenizerConfig, tokenizer, texts, config);
    write(modelDir.resolve(TOKENIZER_JSON), tokenizer);
    write(modelDir.resolve(TOKENIZER_CONFIG), tokenizerConfig);
    write(modelDir.resolve(SPECIAL_TOKENS_MAP), specialTokensMap(tokenizerConfig, config));
    return List.of(TOKENIZER_JSON, TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP);
  }

  /**
   * Adds the model's rows past the text vocabulary to {@code tokenizer}'s added_tokens, sorted by id;
   * returns the text of every id (vocabulary and added tokens).
   */
  private static Map<Integer, String> extend(ObjectNode tokenizer, ModelConfig config) {
    ObjectNode vocab = tokenizer.path("model").path("vocab") instanceof ObjectNode v ? v : JSON.createObjectNode();
    Map<Integer, String> texts = new HashMap<>();
    vocab.fields().forEachRemaining(e -> texts.put(e.getValue().asInt(), e.getKey()));
    ArrayNode added = tokenizer.withArray("added_tokens");
    Map<Integer, ObjectNode> addedById = new HashMap<>();
    for (JsonNode t : added) {
      addedById.put(t.path("id").asInt(), (ObjectNode) t);
      texts.put(t.path("id").asInt(), t.path("content").asText());
    }
    int textSize = texts.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    ModelConfig.LiquidExtension liquid = config.liquid();
    Map<Integer, String> specials = new HashMap<>();
    if (liquid != null) {
      List<String> names = VocabularyExtension.SPECIAL_NAMES;
      specials.put(liquid.boiTokenId(), names.get(0));
      specials.put(liquid.eoiTokenId(), names.get(1));
      specials.put(liquid.unconditionalTokenId(), names.get(2));
    }
    // Specials on existing rows (reserved tokens): renamed in place, in the vocabulary and the added tokens.
    specials.forEach((id, name) -> {
      if (id >= textSize || name.equals(texts.get(id))) {
        return;
      }
      String old = texts.get(id);
      if (old != null && vocab.has(old) && vocab.get(old).asInt() == id) {
        vocab.remove(old);
        vocab.put(name, id);
      }
      ObjectNode token = addedById.get(id);
      if (token == null) {
        token = addedToken(id, name, true);
        added.add(token);
        addedById.put(id, token);
      }
      token.put("content", name).put("special", true);
      texts.put(id, name);
    });
    // Every row past the text vocabulary, in order: image codes, specials, placeholders for unnamed rows.
    for (int id = textSize; id < config.vocabSize(); id++) {
      String name;
      boolean special;
      if (liquid != null && id >= liquid.imageCodeOffset() && id < liquid.imageCodeOffset() + liquid.numImageCodes()) {
        name = String.format(IMAGE_TOKEN_FORMAT, id - liquid.imageCodeOffset());
        special = false;
      } else if (specials.containsKey(id)) {
        name = specials.get(id);
        special = true;
      } else {
        name = "<|unused_row_" + id + "|>";
        special = true;
      }
      added.add(addedToken(id, name, special));
      texts.put(id, name);
    }
    List<JsonNode> sorted = new ArrayList<>();
    added.forEach(sorted::add);
    sorted.sort(Comparator.comparingInt(t -> t.path("id").asInt()));
    added.removeAll();
    added.addAll(sorted);
    return texts;
  }

  private static ObjectNode addedToken(int id, String content, boolean special) {
    ObjectNode token = JSON.createObjectNode();
    token.put("id", id).put("content", content).put("single_word", false).put("lstrip", false)
        .put("rstrip", false).put("normalized", false).put("special", special);
    return token;
  }

  /** model_max_length, the pad token, and added_tokens_decoder as tokenizer.json now has them. */
  private static void completeConfig(ObjectNode tokenizerConfig, ObjectNode tokenizer, Map<Integer, String> texts,
      ModelConfig config) {
    tokenizerConfig.put("model_max_length", config.maxPositionEmbeddings());
    if (!tokenizerConfig.hasNonNull("pad_token") && texts.containsKey(config.padTokenId())) {
      tokenizerConfig.put("pad_token", texts.get(config.padTokenId()));
    }
    ObjectNode decoder = tokenizerConfig.putObject("added_tokens_decoder");
    for (JsonNode t : tokenizer.withArray("added_tokens")) {
      ObjectNode entry = ((ObjectNode) t).deepCopy();
      entry.remove("id");
      decoder.set(t.path("id").asText(), entry);
    }
  }

  private static ObjectNode specialTokensMap(ObjectNode tokenizerConfig, ModelConfig config) {
    ObjectNode map = JSON.createObjectNode();
    for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
      JsonNode value = tokenizerConfig.get(key);
      if (value != null && !value.isNull()) {
        map.set(key, value);
      }
    }
    if (config.liquid() != null) {
      VocabularyExtension.SPECIAL_NAMES.forEach(map.putArray("additional_special_tokens")::add);
    }
    return map;
  }

  private static ObjectNode readObject(Path file) throws IOException {
    if (!(JSON.readTree(file.toFile()) instanceof ObjectNode object)) {
      throw new UserError(file + ": expected a JSON object");
    }
    return object;
  }

  private static void write(Path file, JsonNode json) throws IOException {
    Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
  }
}
