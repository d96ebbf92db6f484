package io.liquidj.tokenizers.vqgan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The VQGAN's shape, from the tokenizer folder's {@code config.json}: taming-transformers' {@code
 * VQModel(ddconfig, n_embed, embed_dim)} as Chameleon and Liquid configure it. Field names are the
 * config's.
 *
 * @param embedDim codebook vector size ({@code embed_dim}, 256 released)
 * @param nEmbed codebook size ({@code n_embed}, 8192 released)
 * @param ch base channels ({@code ddconfig.ch}, 128)
 * @param chMult channel multiplier per resolution level ({@code ch_mult}, [1,1,2,2,4])
 * @param numResBlocks ResnetBlocks per encoder level (the decoder has one more)
 * @param attnResolutions feature-map sides (relative to {@code resolution}) that get attention blocks
 * @param zChannels latent channels before {@code quant_conv}
 * @param resolution nominal input side (decides where attention sits, not the accepted image size)
 * @param inChannels image channels in (3)
 * @param outCh image channels out (3)
 * @param dropout must be 0 (inference; training here uses none)
 */
public record VqganConfig(
    int embedDim,
    int nEmbed,
    int ch,
    List<Integer> chMult,
    int numResBlocks,
    List<Integer> attnResolutions,
    int zChannels,
    int resolution,
    int inChannels,
    int outCh,
    double dropout) {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TOP_KEYS = Set.of("embed_dim", "n_embed", "ddconfig");
  private static final Set<String> DD_KEYS = Set.of("double_z", "z_channels", "resolution", "in_channels",
      "out_ch", "ch", "ch_mult", "num_res_blocks", "attn_resolutions", "dropout");

  public VqganConfig {
    chMult = List.copyOf(chMult);
    attnResolutions = List.copyOf(attnResolutions);
    if (chMult.isEmpty()) {
      throw new IllegalArgumentException("ch_mult must not be empty");
    }
    if (ch % 32 != 0 || chMult.stream().anyMatch(m -> m <= 0)) {
      throw new IllegalArgumentException("every ch * ch_mult must be a positive multiple of 32 (GroupNorm(32)), got ch "
          + ch + ", ch_mult " + chMult);
    }
  }

  /** The released Chameleon/Liquid tokenizer's shape (512×512 → 32×32 codes of 8192). */
  public static VqganConfig released() {
    return new VqganConfig(256, 8192, 128, List.of(1, 1, 2, 2, 4), 2, List.of(), 256, 512, 3, 3, 0.0);
  }

  /** Pixels per code along a side: 2^(levels − 1). */
  public int downsampleFactor() {
    return 1 << (chMult.size() - 1);
  }

  /** Reads {@code config.json}; unknown keys and values this implementation does not support are errors. */
  public static VqganConfig read(Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new UserError("cannot read VQGAN config " + file + ": " + e.getMessage(), e);
    }
    return parse(root, file.toString());
  }

  /** Parses the config object; {@code where} names the file in errors. */
  public static VqganConfig parse(JsonNode root, String where) {
    checkKeys(root, TOP_KEYS, where, "");
    JsonNode dd = required(root, "ddconfig", where, "");
    checkKeys(dd, DD_KEYS, where, "ddconfig.");
    if (dd.path("double_z").asBoolean(false)) {
      throw new UserError(where + ": ddconfig.double_z is true; a VQModel needs false (quant_conv takes z_channels)");
    }
    int inChannels = dd.has("in_channels") ? intValue(dd, "in_channels", where, "ddconfig.") : 3;
    int outCh = dd.has("out_ch") ? intValue(dd, "out_ch", where, "ddconfig.") : 3;
    double dropout = dd.path("dropout").asDouble(0.0);
    if (dropout != 0.0) {
      throw new UserError(where + ": ddconfig.dropout is " + dropout + "; only 0.0 is supported");
    }
    try {
      return new VqganConfig(
          intValue(root, "embed_dim", where, ""),
          intValue(root, "n_embed", where, ""),
          intValue(dd, "ch", where, "ddconfig."),
          intList(dd, "ch_mult", where),
          intValue(dd, "num_res_blocks", where, "ddconfig."),
          dd.has("attn_resolutions") ? intList(dd, "attn_resolutions", where) : List.of(),
          intValue(dd, "z_channels", where, "ddconfig."),
          intValue(dd, "resolution", where, "ddconfig."),
          inChannels,
          outCh,
          dropout);
    } catch (IllegalArgumentException e) {
      throw new UserError(where + ": " + e.getMessage(), e);
    }
  }

  /** The config as {@code config.json} writes it (the released layout). */
  public Map<String, Object> toJson() {
    Map<String, Object> dd = new LinkedHashMap<>();
    dd.put("double_z", false);
    dd.put("z_channels", zChannels);
    dd.put("resolution", resolution);
    dd.put("in_channels", inChannels);
    dd.put("out_ch", outCh);
    dd.put("ch", ch);
    dd.put("ch_mult", chMult);
    dd.put("num_res_blocks", numResBlocks);
    dd.put("attn_resolutions", attnResolutions);
    dd.put("dropout", dropout);
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("embed_dim", embedDim);
    root.put("n_embed", nEmbed);
    root.put("ddconfig", dd);
    return root;
  }

  private static void checkKeys(JsonNode node, Set<String> known, String where, String prefix) {
    if (!node.isObject()) {
      throw new UserError(where + ": expected a JSON object" + (prefix.isEmpty() ? "" : " at " + prefix));
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!known.contains(key)) {
        throw new UserError(where + ": unknown key \"" + prefix + key + "\" (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
  }

  private static JsonNode required(JsonNode node, String key, String where, String prefix) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      throw new UserError(where + ": missing \"" + prefix + key + "\"");
    }
    return v;
  }

  private static int intValue(JsonNode node, String key, String where, String prefix) {
    JsonNode v = required(node, key, where, prefix);
    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() <= 0) {
      throw new UserError(where + ": \"" + prefix + key + "\" must be a positive integer, got " + v);
    }
    return v.asInt();
  }

  private static List<Integer> intList(JsonNode node, String key, String where) {
    JsonNode v = required(node, key, where, "ddconfig.");
    if (!v.isArray()) {
      throw new UserError(where + ": \"ddconfig." + key + "\" must be a list of integers, got " + v);
    }
    List<Integer> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isIntegralNumber()) {
        throw new UserError(where + ": \"ddconfig." + key + "\" must be a list of integers, got " + v);
      }
      out.add(e.asInt());
    }
    return out;
  }
}
