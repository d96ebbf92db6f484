package io.liquidj.framework.backbone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A backbone's architecture with the Hugging Face {@code config.json} field names, read from either
 * layout: transformers ≥ 5 ({@code rope_parameters}, {@code dtype}, {@code layer_types}) and the
 * released checkpoints' ({@code rope_theta}, {@code rope_scaling}, {@code torch_dtype}).
 *
 * <p>Optional settings use neutral values: 0 soft-capping means none, 0 sliding window means none,
 * {@code queryPreAttnScalar} 0 means head_dim. {@link #raw()} keeps every field of the file so a
 * saved model writes back what it read (with its family's config defaults filled in).
 *
 * @param source where the config came from (a file path or a named shape), for error messages
 * @param vocabSize embedding rows, including image codes once extended
 * @param layerTypes per layer "full_attention" or "sliding_attention" (all full when the file has none and its
 *     family's {@link BackboneFactory#configDefaults} derive none)
 * @param liquid the Liquid vocabulary extension recorded in the config, or null if not extended
 */
public record ModelConfig(
    String source,
    String modelType,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    double rmsNormEps,
    RopeSettings rope,
    int maxPositionEmbeddings,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    String hiddenActivation,
    double queryPreAttnScalar,
    double attnLogitSoftcapping,
    double finalLogitSoftcapping,
    int slidingWindow,
    List<String> layerTypes,
    String dtype,
    int bosTokenId,
    List<Integer> eosTokenIds,
    LiquidExtension liquid,
    ObjectNode raw) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public ModelConfig {
    layerTypes = List.copyOf(layerTypes);
    eosTokenIds = List.copyOf(eosTokenIds);
    positive(source, "vocab_size", vocabSize);
    positive(source, "hidden_size", hiddenSize);
    positive(source, "intermediate_size", intermediateSize);
    positive(source, "num_hidden_layers", numHiddenLayers);
    positive(source, "num_attention_heads", numAttentionHeads);
    positive(source, "num_key_value_heads", numKeyValueHeads);
    positive(source, "head_dim", headDim);
    positive(source, "max_position_embeddings", maxPositionEmbeddings);
    if (headDim % 2 != 0) {
      throw new UserError(source + ": \"head_dim\" must be even (rotary embeddings rotate pairs), found " + headDim);
    }
    if (!(rmsNormEps > 0) || Double.isInfinite(rmsNormEps)) {
      throw new UserError(source + ": \"rms_norm_eps\" must be a positive number, found " + rmsNormEps);
    }
    if (!(rope.theta() > 0) || Double.isInfinite(rope.theta())) {
      throw new UserError(source + ": \"rope_theta\" must be a positive number, found " + rope.theta());
    }
    notNegative(source, "query_pre_attn_scalar", queryPreAttnScalar);
    notNegative(source, "attn_logit_softcapping", attnLogitSoftcapping);
    notNegative(source, "final_logit_softcapping", finalLogitSoftcapping);
    notNegative(source, "sliding_window", slidingWindow);
    for (String type : layerTypes) {
      if (!type.equals("full_attention") && !type.equals("sliding_attention")) {
        throw new UserError(source + ": \"layer_types\" holds \"" + type
            + "\", expected full_attention or sliding_attention");
      }
    }
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new UserError(source + ": \"num_attention_heads\" (" + numAttentionHeads
          + ") must be a multiple of \"num_key_value_heads\" (" + numKeyValueHeads + ")");
    }
    if (layerTypes.size() != numHiddenLayers) {
      throw new UserError(source + ": layer_types has " + layerTypes.size() + " entries, expected num_hidden_layers = "
          + numHiddenLayers);
    }
  }

  private static void positive(String source, String field, int value) {
    if (value <= 0) {
      throw new UserError(source + ": \"" + field + "\" must be a positive integer, found " + value);
    }
  }

  private static void notNegative(String source, String field, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new UserError(source + ": \"" + field + "\" must be a non-negative number (0 = off), found " + value);
    }
  }

  /** Rotary embedding settings: theta and the optional frequency scaling. */
  public record RopeSettings(
      double theta,
      String type,
      double factor,
      double lowFreqFactor,
      double highFreqFactor,
      int originalMaxPositionEmbeddings) {}

  /**
   * The Liquid vocabulary extension: image code c is token {@code imageCodeOffset + c}.
   *
   * @param imageCodeOffset the embedding row count before extension
   * @param numImageCodes the VQGAN codebook size (8192 for the released model)
   * @param boiTokenId {@code <boi>}
   * @param eoiTokenId {@code <eoi>}
   * @param unconditionalTokenId {@code <unconditional>} (the classifier-free guidance prompt)
   */
  public record LiquidExtension(
      int imageCodeOffset, int numImageCodes, int boiTokenId, int eoiTokenId, int unconditionalTokenId) {
    /** Records this extension in a config.json. */
    public void writeTo(ObjectNode json) {
      json.put("image_code_offset", imageCodeOffset);
      json.put("num_image_codes", numImageCodes);
      json.put("boi_token_id", boiTokenId);
      json.put("eoi_token_id", eoiTokenId);
      json.put("unconditional_token_id", unconditionalTokenId);
    }
  }

  /** Reads {@code dir/config.json} (or the file itself if {@code path} is a file). */
  public static ModelConfig read(Path path) {
    Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
    if (!Files.isRegularFile(file)) {
      throw new UserError("no config.json at " + file + " (expected a Hugging Face checkpoint folder)");
    }
    try {
      JsonNode node = JSON.readTree(file.toFile());
      if (!(node instanceof ObjectNode object)) {
        throw new UserError(file + ": expected a JSON object");
      }
      return fromJson(object, file.toString());
    } catch (IOException e) {
      throw new UserError("cannot parse " + file + " as JSON: " + e.getMessage(), e);
    }
  }

  /** Parses a config.json object; {@code source} names it in error messages. */
  public static ModelConfig fromJson(ObjectNode json, String source) {
    Fields f = new Fields(json, source);
    String modelType = f.string("model_type", null);
    if (modelType == null) {
      throw new UserError(source + ": missing \"model_type\" (the Hugging Face family, such as \"llama\")");
    }
    int hidden = f.integer("hidden_size");
    int heads = f.integer("num_attention_heads");
    int layers = f.integer("num_hidden_layers");
    // Without head_dim: hidden_size / num_attention_heads (a zero head count is rejected by the constructor).
    int headDim = json.hasNonNull("head_dim") ? f.integer("head_dim") : heads > 0 ? hidden / heads : 0;
    int kvHeads = json.hasNonNull("num_key_value_heads") ? f.integer("num_key_value_heads") : heads;

    // Rotary settings: transformers >= 5 nests them in rope_parameters; older files use rope_theta + rope_scaling.
    JsonNode ropeNode = json.get("rope_parameters");
    if (ropeNode == null || ropeNode.isNull()) {
      ropeNode = json.get("rope_scaling");
    }
    double theta = ropeNode != null && ropeNode.hasNonNull("rope_theta")
        ? ropeNode.get("rope_theta").asDouble()
        : f.number("rope_theta", 10000.0);
    RopeSettings rope = ropeSettings(ropeNode, theta, source);

    // Family rules (Qwen2's use_sliding_window, Gemma-2's alternating layers, Gemma's tied embeddings) are
    // filled in before this by the family's BackboneFactory.configDefaults; here only explicit fields count.
    int slidingWindow = json.hasNonNull("sliding_window") ? json.get("sliding_window").asInt() : 0;
    List<String> layerTypes = new ArrayList<>();
    if (json.hasNonNull("layer_types")) {
      json.get("layer_types").forEach(t -> layerTypes.add(t.asText()));
    } else {
      for (int i = 0; i < layers; i++) {
        layerTypes.add("full_attention");
      }
    }

    String activation = f.string("hidden_activation", f.string("hidden_act", "silu"));
    String dtype = f.string("dtype", f.string("torch_dtype", "float32"));
    List<Integer> eos = new ArrayList<>();
    JsonNode eosNode = json.get("eos_token_id");
    if (eosNode != null && eosNode.isArray()) {
      eosNode.forEach(e -> eos.add(e.asInt()));
    } else if (eosNode != null && !eosNode.isNull()) {
      eos.add(eosNode.asInt());
    }

    LiquidExtension liquid = null;
    if (json.hasNonNull("image_code_offset")) {
      liquid = new LiquidExtension(
          f.integer("image_code_offset"),
          f.integer("num_image_codes"),
          f.integer("boi_token_id"),
          f.integer("eoi_token_id"),
          f.integer("unconditional_token_id"));
    }

    return new ModelConfig(
        source,
        modelType,
        f.integer("vocab_size"),
        hidden,
        f.integer("intermediate_size"),
        layers,
        heads,
        kvHeads,
        headDim,
        f.number("rms_norm_eps", 1e-6),
        rope,
        (int) f.number("max_position_embeddings", 8192),
        json.path("tie_word_embeddings").asBoolean(false),
        json.path("attention_bias").asBoolean(false),
        activation,
        f.number("query_pre_attn_scalar", 0),
        f.number("attn_logit_softcapping", 0),
        f.number("final_logit_softcapping", 0),
        slidingWindow,
        layerTypes,
        dtype,
        json.hasNonNull("bos_token_id") ? json.get("bos_token_id").asInt() : -1,
        eos,
        liquid,
        json.deepCopy());
  }

  private static RopeSettings ropeSettings(JsonNode node, double theta, String source) {
    if (node == null || node.isNull()) {
      return new RopeSettings(theta, "default", 1, 1, 1, 0);
    }
    String type = node.hasNonNull("rope_type") ? node.get("rope_type").asText()
        : node.hasNonNull("type") ? node.get("type").asText() : "default";
    return switch (type) {
      case "default" -> new RopeSettings(theta, "default", 1, 1, 1, 0);
      case "llama3" -> new RopeSettings(
          theta,
          "llama3",
          require(node, "factor", source).asDouble(),
          require(node, "low_freq_factor", source).asDouble(),
          require(node, "high_freq_factor", source).asDouble(),
          require(node, "original_max_position_embeddings", source).asInt());
      default -> throw new UserError(source + ": rope type \"" + type
          + "\" is not supported; supported: default, llama3");
    };
  }

  private static JsonNode require(JsonNode node, String key, String source) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      throw new UserError(source + ": rope scaling of type llama3 needs \"" + key + "\"");
    }
    return v;
  }

  /**
   * This config sized to a text tokenizer (a from-scratch model): {@code vocab_size} rows, and the
   * tokenizer's BOS / EOS ids where it has them.
   */
  public ModelConfig withTextVocabulary(int vocabSize, java.util.OptionalInt bosId, java.util.OptionalInt eosId) {
    ObjectNode json = raw.deepCopy();
    json.put("vocab_size", vocabSize);
    bosId.ifPresent(id -> json.put("bos_token_id", id));
    eosId.ifPresent(id -> json.put("eos_token_id", id));
    return fromJson(json, source);
  }

  /** This config with the vocabulary grown to {@code vocabSize} rows and the extension recorded. */
  public ModelConfig withLiquidExtension(int newVocabSize, LiquidExtension extension) {
    ObjectNode json = raw.deepCopy();
    json.put("vocab_size", newVocabSize);
    extension.writeTo(json);
    return fromJson(json, source);
  }

  /** This config with {@code defaults} filled into its config.json (a family's {@link BackboneFactory#configDefaults}). */
  public ModelConfig withDefaults(java.util.function.Consumer<ObjectNode> defaults) {
    ObjectNode json = raw.deepCopy();
    defaults.accept(json);
    return fromJson(json, source);
  }

  /**
   * The JSON to write as config.json of a saved model: the fields read, with the dtype and the rotary
   * settings in the layouts of both transformers 4.x ({@code torch_dtype}, {@code rope_theta},
   * {@code rope_scaling}) and 5.x ({@code dtype}, {@code rope_parameters}), so that either loads it.
   */
  public String toJson() {
    ObjectNode json = raw.deepCopy();
    json.put("dtype", dtype);
    json.put("torch_dtype", dtype);
    // transformers 4.x: rope_theta beside rope_scaling (null = plain RoPE, LlamaConfig's default).
    json.put("rope_theta", rope.theta());
    if (rope.type().equals("default")) {
      json.putNull("rope_scaling");
    } else {
      writeScaling(json.putObject("rope_scaling"));
    }
    // transformers 5.x: everything in rope_parameters (RopeParameters in modeling_rope_utils.py).
    ObjectNode parameters = json.putObject("rope_parameters");
    parameters.put("rope_type", rope.type());
    parameters.put("rope_theta", rope.theta());
    if (!rope.type().equals("default")) {
      writeScaling(parameters);
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void writeScaling(ObjectNode node) {
    node.put("rope_type", rope.type());
    node.put("factor", rope.factor());
    node.put("low_freq_factor", rope.lowFreqFactor());
    node.put("high_freq_factor", rope.highFreqFactor());
    node.put("original_max_position_embeddings", rope.originalMaxPositionEmbeddings());
  }

  /**
   * The padding id: config.json's {@code pad_token_id} when set, else the first EOS (what generate pads
   * finished rows with), else -1.
   */
  public int padTokenId() {
    if (raw.hasNonNull("pad_token_id")) {
      return raw.get("pad_token_id").asInt();
    }
    return eosTokenIds.isEmpty() ? -1 : eosTokenIds.get(0);
  }

  /** The tensor the LM head reads: the embedding when {@code tie_word_embeddings}, else {@code lm_head.weight}. */
  public String lmHeadWeight() {
    return tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight";
  }

  /** Whether layer {@code layer} uses sliding-window attention. */
  public boolean isSlidingLayer(int layer) {
    return slidingWindow > 0 && "sliding_attention".equals(layerTypes.get(layer));
  }

  /** Typed, checked access to config.json fields. */
  private record Fields(ObjectNode json, String source) {
    int integer(String key) {
      JsonNode v = json.get(key);
      if (v == null || v.isNull()) {
        throw new UserError(source + ": missing \"" + key + "\" (an integer)");
      }
      if (!v.canConvertToInt()) {
        throw new UserError(source + ": \"" + key + "\" must be an integer, found " + v);
      }
      return v.asInt();
    }

    double number(String key, double fallback) {
      JsonNode v = json.get(key);
      if (v == null || v.isNull()) {
        return fallback;
      }
      if (!v.isNumber()) {
        throw new UserError(source + ": \"" + key + "\" must be a number, found " + v);
      }
      return v.asDouble();
    }

    String string(String key, String fallback) {
      JsonNode v = json.get(key);
      return v == null || v.isNull() ? fallback : v.asText();
    }
  }
}
