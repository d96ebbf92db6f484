package io.liquidj.tokenizers.vqgan;

import com.typesafe.config.Config;
import io.liquidj.framework.config.ConfigReads;
import java.nio.file.Path;

/**
 * The {@code vqgan.train} section (liquidj/vqgan.conf) of {@code ./liquid train-vq}.
 *
 * @param images folder of training images
 * @param out output tokenizer folder
 * @param overwrite whether {@code out} may replace a folder liquidj did not write
 * @param architecture the model to train (resolution = image size)
 * @param cropSize side of the random square crop each training step takes of each image (offsets at
 *     multiples of the downsample factor), or the image size itself: whole images
 */
public record VqganTrainSettings(Path images, Path out, boolean overwrite, int steps, int batchSize, double lr,
    VqganTraining.LossWeights lossWeights, int logEvery, long seed, VqganConfig architecture, int cropSize) {

  /** Reads and validates {@code vqgan.train}; errors name the key and its origin. */
  public static VqganTrainSettings from(Config c) {
    Path images = ConfigReads.optionalPath(c, "images")
        .orElseThrow(() -> ConfigReads.bad(c, "images", "must name a folder of training images"));
    int imageSize = ConfigReads.positiveInt(c, "image-size");
    int ch = ConfigReads.positiveInt(c, "ch");
    int zChannels = ConfigReads.positiveInt(c, "z-channels");
    if (ch % 32 != 0) {
      throw ConfigReads.bad(c, "ch", "must be a multiple of 32 (GroupNorm(32)), got " + ch);
    }
    if (zChannels % 32 != 0) {
      throw ConfigReads.bad(c, "z-channels", "must be a multiple of 32 (GroupNorm(32)), got " + zChannels);
    }
    var chMult = c.getIntList("ch-mult");
    if (chMult.isEmpty() || chMult.stream().anyMatch(m -> m <= 0)) {
      throw ConfigReads.bad(c, "ch-mult", "must be a non-empty list of positive integers, got " + chMult);
    }
    int factor = 1 << (chMult.size() - 1);
    if (imageSize % factor != 0) {
      throw ConfigReads.bad(c, "image-size", "must be a multiple of the downsample factor " + factor + ", got " + imageSize);
    }
    int cropSize = ConfigReads.nonNegativeInt(c, "crop-size");
    if (cropSize == 0) {
      cropSize = imageSize;
    } else if (cropSize % factor != 0 || cropSize > imageSize) {
      throw ConfigReads.bad(c, "crop-size", "must be 0 (whole images) or a multiple of the downsample factor " + factor
          + " no larger than image-size " + imageSize + ", got " + cropSize);
    }
    VqganConfig architecture;
    try {
      architecture = new VqganConfig(ConfigReads.positiveInt(c, "embed-dim"), ConfigReads.positiveInt(c, "n-embed"), ch, chMult,
          ConfigReads.positiveInt(c, "num-res-blocks"), c.getIntList("attn-resolutions"), zChannels, imageSize, 3, 3, 0.0);
    } catch (IllegalArgumentException e) {
      throw ConfigReads.bad(c, "ch-mult", e.getMessage());
    }
    return new VqganTrainSettings(
        images,
        Path.of(c.getString("output-dir")),
        c.getBoolean("overwrite"),
        ConfigReads.positiveInt(c, "steps"),
        ConfigReads.positiveInt(c, "batch-size"),
        ConfigReads.positive(c, "lr"),
        new VqganTraining.LossWeights(ConfigReads.nonNegative(c, "l1-weight"), ConfigReads.nonNegative(c, "l2-weight"),
            ConfigReads.nonNegative(c, "beta")),
        ConfigReads.positiveInt(c, "log-every"),
        c.getLong("seed"),
        architecture,
        cropSize);
  }
}
