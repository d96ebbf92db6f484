package io.liquidj.tokenizers.vqgan;

import com.typesafe.config.Config;
import io.liquidj.framework.config.ConfigReads;
import io.liquidj.framework.image.ImagePreprocessing;

/**
 * The {@code vqgan} section (liquidj/vqgan.conf).
 *
 * @param imageMode how {@code vq encode} fits an image file
 * @param imageSize target side for center-crop and pad; 0 = the config's resolution
 * @param benchSize bench-vq image side
 * @param benchRepeats bench-vq timed repetitions
 */
public record VqganSettings(ImagePreprocessing.Mode imageMode, int imageSize, int benchSize, int benchRepeats) {
  /** Reads and validates {@code vqgan}; errors name the key and its origin. */
  public static VqganSettings from(Config c) {
    ImagePreprocessing.Mode mode = switch (ConfigReads.oneOf(c, "image-mode", "center-crop", "pad", "keep")) {
      case "pad" -> ImagePreprocessing.Mode.PAD_TO_SQUARE;
      case "keep" -> ImagePreprocessing.Mode.KEEP_SIZE;
      default -> ImagePreprocessing.Mode.CENTER_CROP;
    };
    int benchSize = ConfigReads.positiveInt(c, "bench-size");
    if (benchSize % 16 != 0) {
      throw ConfigReads.bad(c, "bench-size", "must be a multiple of 16, got " + benchSize);
    }
    return new VqganSettings(mode, ConfigReads.nonNegativeInt(c, "image-size"), benchSize, ConfigReads.positiveInt(c, "bench-repeats"));
  }
}
