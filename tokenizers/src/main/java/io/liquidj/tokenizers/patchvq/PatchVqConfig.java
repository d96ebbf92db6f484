package io.liquidj.tokenizers.patchvq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import io.liquidj.framework.tokenizer.ImageTokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A patch VQ's {@code config.json}: {@code {"tokenizer_kind": "patch-vq", "patch_size": 4, "n_embed": 128,
 * "resolution": 32}}.
 *
 * @param patchSize pixels per code along each side
 * @param nEmbed codebook size
 * @param resolution the image side it was trained on (what center-crop and generation default to)
 */
public record PatchVqConfig(int patchSize, int nEmbed, int resolution) {
  /** The kind's name, in the MapBinder and in config.json's {@code tokenizer_kind}. */
  public static final String KIND = "patch-vq";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> KEYS = Set.of(ImageTokenizers.KIND_FIELD, "patch_size", "n_embed", "resolution");

  public PatchVqConfig {
    if (patchSize <= 0 || nEmbed <= 0 || resolution <= 0 || resolution % patchSize != 0) {
      throw new IllegalArgumentException("patch_size, n_embed and resolution must be positive and resolution a multiple"
          + " of patch_size, got " + patchSize + ", " + nEmbed + ", " + resolution);
    }
  }

  /** Values per code: a patch's pixels, [patch_size, patch_size, 3]. */
  public int patchValues() {
    return patchSize * patchSize * 3;
  }

  /** Reads {@code config.json}; unknown keys and missing or non-positive values are errors naming the file. */
  public static PatchVqConfig read(Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new UserError("cannot read patch VQ config " + file + ": " + e.getMessage(), e);
    }
    Set<String> unknown = new TreeSet<>();
    root.fieldNames().forEachRemaining(k -> {
      if (!KEYS.contains(k)) {
        unknown.add(k);
      }
    });
    if (!unknown.isEmpty()) {
      throw new UserError(file + ": unknown keys " + unknown + " (a patch VQ config has " + new TreeSet<>(KEYS) + ")");
    }
    if (!KIND.equals(root.path(ImageTokenizers.KIND_FIELD).asText())) {
      throw new UserError(file + ": " + ImageTokenizers.KIND_FIELD + " must be \"" + KIND + "\"");
    }
    try {
      return new PatchVqConfig(intValue(root, "patch_size", file), intValue(root, "n_embed", file),
          intValue(root, "resolution", file));
    } catch (IllegalArgumentException e) {
      throw new UserError(file + ": " + e.getMessage(), e);
    }
  }

  /** The config as config.json holds it. */
  public Map<String, Object> toJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put(ImageTokenizers.KIND_FIELD, KIND);
    root.put("patch_size", patchSize);
    root.put("n_embed", nEmbed);
    root.put("resolution", resolution);
    return root;
  }

  private static int intValue(JsonNode root, String key, Path file) {
    JsonNode v = root.get(key);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new UserError(file + ": " + key + " must be an integer, got " + (v == null ? "nothing" : v));
    }
    return v.intValue();
  }
}
