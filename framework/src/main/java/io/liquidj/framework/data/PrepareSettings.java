package io.liquidj.framework.data;

import com.typesafe.config.Config;
import io.liquidj.framework.config.ConfigReads;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code ./liquid prepare} reads and writes ({@code data.prepare} in {@code liquidj/data.conf}).
 *
 * @param out folder for the shards and {@code prepare-report.json}
 * @param pairs JSONL manifests, {@code .tar} shards or folders of {@code .tar} shards
 * @param texts text-only JSONL files
 * @param tokenizer folder with the backbone's {@code tokenizer.json}
 * @param imageTokenizer folder of the image tokenizer (empty when there are no pairs)
 * @param imageTokenizerKind registered image tokenizer kind ({@code vqgan}), or empty: the one the folder names
 * @param imageSize side of the square images given to the image tokenizer; with {@code keepAspectRatio}, the side of
 *     the pixel budget (at most imageSize² pixels)
 * @param keepAspectRatio whether images keep their aspect ratio ({@code aspect-ratio = keep}: the reference's
 *     {@code multi} data, sequences carry the image size) instead of being centre-cropped to a square ({@code crop})
 * @param minImageSize shorter sides below this are skipped
 * @param maxAspectRatio long/short side ratios above this are skipped
 * @param maxImagePixels images whose header declares more pixels are skipped without decoding
 * @param shardSize lines of a manifest or text file per shard
 * @param batchSize images per image tokenizer call
 * @param threads image decoding threads (all cores when 0 in the config)
 */
public record PrepareSettings(
    Path out,
    List<Path> pairs,
    List<Path> texts,
    Path tokenizer,
    Path imageTokenizer,
    String imageTokenizerKind,
    int imageSize,
    boolean keepAspectRatio,
    int minImageSize,
    double maxAspectRatio,
    long maxImagePixels,
    int shardSize,
    int batchSize,
    int threads) {

  public PrepareSettings {
    pairs = List.copyOf(pairs);
    texts = List.copyOf(texts);
  }

  /** Reads and validates the {@code data.prepare} section. */
  public static PrepareSettings from(Config prepare) {
    Path out = ConfigReads.optionalPath(prepare, "output-dir")
        .orElseThrow(() -> ConfigReads.bad(prepare, "output-dir", "must name the folder the prepared shards go to (data.prepare.output-dir)"));
    List<Path> pairs = prepare.getStringList("pairs").stream().map(Path::of).toList();
    List<Path> texts = prepare.getStringList("texts").stream().map(Path::of).toList();
    if (pairs.isEmpty() && texts.isEmpty()) {
      throw ConfigReads.bad(prepare, "pairs", "nothing to prepare: set data.prepare.pairs and/or data.prepare.texts");
    }
    Path tokenizer = ConfigReads.optionalPath(prepare, "tokenizer")
        .orElseThrow(() -> ConfigReads.bad(prepare, "tokenizer", "must name the folder holding tokenizer.json (data.prepare.tokenizer)"));
    Path imageTokenizer = ConfigReads.optionalPath(prepare, "image-tokenizer").orElse(null);
    if (!pairs.isEmpty() && imageTokenizer == null) {
      throw ConfigReads.bad(prepare, "image-tokenizer", "image–caption pairs need the image tokenizer's folder (data.prepare.image-tokenizer)");
    }
    int imageSize = ConfigReads.positiveInt(prepare, "image-size");
    double maxAspect = ConfigReads.positive(prepare, "max-aspect-ratio");
    if (maxAspect < 1) {
      throw ConfigReads.bad(prepare, "max-aspect-ratio", "must be >= 1 (long side / short side), got " + maxAspect);
    }
    long maxImagePixels = prepare.getLong("max-image-pixels");
    if (maxImagePixels <= 0) {
      throw ConfigReads.bad(prepare, "max-image-pixels", "must be a positive number of pixels, got " + maxImagePixels);
    }
    int threads = ConfigReads.nonNegativeInt(prepare, "threads");
    return new PrepareSettings(
        out, pairs, texts, tokenizer, imageTokenizer, prepare.getString("image-tokenizer-kind"), imageSize,
        ConfigReads.oneOf(prepare, "aspect-ratio", "crop", "keep").equals("keep"),
        ConfigReads.nonNegativeInt(prepare, "min-image-size"), maxAspect, maxImagePixels,
        ConfigReads.positiveInt(prepare, "shard-size"),
        ConfigReads.positiveInt(prepare, "batch-size"), threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
  }
}
