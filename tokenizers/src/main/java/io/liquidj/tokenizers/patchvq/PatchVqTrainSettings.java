package io.liquidj.tokenizers.patchvq;

import com.typesafe.config.Config;
import io.liquidj.framework.config.ConfigReads;
import java.nio.file.Path;

/**
 * The {@code patch-vq.train} section (liquidj/patch-vq.conf) of {@code ./liquid train-patch-vq}.
 *
 * @param images folder of training images
 * @param out output tokenizer folder
 * @param overwrite whether {@code out} may replace a folder liquidj did not write
 * @param architecture patch size, codebook size, image size
 * @param iterations most Lloyd iterations of k-means
 * @param maxPatches most patches k-means is fitted on (drawn at random)
 * @param seed seed of the draw and of the k-means++ seeding
 */
public record PatchVqTrainSettings(Path images, Path out, boolean overwrite, PatchVqConfig architecture,
    int iterations, int maxPatches, long seed) {

  /** Reads and validates {@code patch-vq.train}; errors name the key and its origin. */
  public static PatchVqTrainSettings from(Config c) {
    Path images = ConfigReads.optionalPath(c, "images")
        .orElseThrow(() -> ConfigReads.bad(c, "images", "must name a folder of training images"));
    int imageSize = ConfigReads.positiveInt(c, "image-size");
    int patchSize = ConfigReads.positiveInt(c, "patch-size");
    if (imageSize % patchSize != 0) {
      throw ConfigReads.bad(c, "image-size", "must be a multiple of patch-size " + patchSize + ", got " + imageSize);
    }
    return new PatchVqTrainSettings(
        images,
        Path.of(c.getString("output-dir")),
        c.getBoolean("overwrite"),
        new PatchVqConfig(patchSize, ConfigReads.positiveInt(c, "n-embed"), imageSize),
        ConfigReads.positiveInt(c, "iterations"),
        ConfigReads.positiveInt(c, "max-patches"),
        c.getLong("seed"));
  }
}
