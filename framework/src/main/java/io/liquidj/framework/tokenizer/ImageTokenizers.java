package io.liquidj.framework.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;

/**
 * The registered image tokenizer kinds, and which one a folder holds: its {@code config.json}'s {@code
 * tokenizer_kind} ({@code "patch-vq"}), or {@code vqgan} when the field is absent (Liquid's released VQGAN
 * config has none).
 */
public final class ImageTokenizers {
  /** The config.json field naming the kind. */
  public static final String KIND_FIELD = "tokenizer_kind";

  /** The kind of a folder whose config.json has no {@link #KIND_FIELD}. */
  public static final String DEFAULT_KIND = "vqgan";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Map<String, ImageTokenizerFactory> kinds;

  @Inject
  public ImageTokenizers(Map<String, ImageTokenizerFactory> kinds) {
    this.kinds = kinds;
  }

  /** The kind of the tokenizer in {@code dir}, read from its config.json; {@code key} names the setting in errors. */
  public static String kind(Path dir, String key) {
    Path file = dir.resolve("config.json");
    if (!Files.isRegularFile(file)) {
      throw new UserError(key + ": " + dir + " has no config.json (an image tokenizer folder holds config.json and its weights)");
    }
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new UserError(key + ": cannot read " + file + ": " + e.getMessage(), e);
    }
    JsonNode kind = root.get(KIND_FIELD);
    if (kind == null) {
      return DEFAULT_KIND;
    }
    if (!kind.isTextual()) {
      throw new UserError(file + ": " + KIND_FIELD + " must be a string, got " + kind);
    }
    return kind.asText();
  }

  /** The factory of the tokenizer in {@code dir}. */
  public ImageTokenizerFactory factory(Path dir, String key) {
    return factory(kind(dir, key), dir, key);
  }

  /** The factory registered as {@code kind}, for the tokenizer in {@code dir}. */
  public ImageTokenizerFactory factory(String kind, Path dir, String key) {
    ImageTokenizerFactory factory = kinds.get(kind);
    if (factory == null) {
      throw new UserError(key + ": " + dir + " holds an image tokenizer of kind \"" + kind + "\", which is not registered"
          + " (registered: " + new TreeSet<>(kinds.keySet()) + ")");
    }
    return factory;
  }

  /** The tokenizer in {@code dir}, of the kind its config.json names. */
  public ImageTokenizer load(Path dir, String key) {
    return factory(dir, key).load(dir);
  }

  /** The decoder of the tokenizer in {@code dir} as a graph function (config.json only). */
  public CodesToPixels decoder(Path dir, String key) {
    return factory(dir, key).decoder(dir);
  }
}
