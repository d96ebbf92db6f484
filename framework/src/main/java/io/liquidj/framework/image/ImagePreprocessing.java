package io.liquidj.framework.image;

import io.liquidj.framework.UserError;

/**
 * Liquid's ways of bringing an image to the VQGAN's input size (pixels stay 8-bit here; {@link
 * Images#toBatch} maps them to [-1, 1]).
 */
public final class ImagePreprocessing {
  /** The padding color of understanding inputs (Liquid's {@code expand2square} background). */
  public static final int[] PAD_COLOR = {122, 116, 104};

  private ImagePreprocessing() {}

  /** How an image reaches the model's size. */
  public enum Mode {
    /**
     * Shorter side resized to the target with Lanczos, then the center square cropped (pretraining
     * data; callers drop images whose {@link RgbImage#aspectRatio} exceeds 2).
     */
    CENTER_CROP,
    /** Padded to a centered square with {@link #PAD_COLOR}, then resized to the target (understanding inputs). */
    PAD_TO_SQUARE,
    /** Kept at its own size, which must be a multiple of the downsample factor on both sides. */
    KEEP_SIZE
  }

  /**
   * The image prepared for a {@code size}×{@code size} input ({@code size} is ignored by {@link
   * Mode#KEEP_SIZE}); {@code factor} is the tokenizer's downsample factor (16 for Liquid).
   */
  public static RgbImage apply(RgbImage image, Mode mode, int size, int factor) {
    return switch (mode) {
      case CENTER_CROP -> centerCrop(image, size);
      case PAD_TO_SQUARE -> padToSquare(image).resize(size, size);
      case KEEP_SIZE -> keepSize(image, factor);
    };
  }

  /**
   * Chameleon's {@code _vqgan_input_from}: scale = size / min(w, h), new size {@code round(scale·w)} ×
   * {@code round(scale·h)} (Python's round, half to even), Lanczos, crop at ((W−size)//2, (H−size)//2).
   */
  public static RgbImage centerCrop(RgbImage image, int size) {
    double scale = (double) size / Math.min(image.width(), image.height());
    int w = (int) Math.rint(scale * image.width());
    int h = (int) Math.rint(scale * image.height());
    RgbImage resized = image.resize(w, h);
    return resized.crop((w - size) / 2, (h - size) / 2, size, size);
  }

  /** LLaVA's {@code expand2square}: pasted at ((side−w)//2, (side−h)//2) on a {@link #PAD_COLOR} square. */
  public static RgbImage padToSquare(RgbImage image) {
    int side = Math.max(image.width(), image.height());
    if (image.width() == image.height()) {
      return image;
    }
    RgbImage canvas = RgbImage.filled(side, side, PAD_COLOR[0], PAD_COLOR[1], PAD_COLOR[2]);
    return image.pasteOnto(canvas, (side - image.width()) / 2, (side - image.height()) / 2);
  }

  private static RgbImage keepSize(RgbImage image, int factor) {
    if (image.width() % factor != 0 || image.height() % factor != 0) {
      throw new UserError("image is " + image.width() + "x" + image.height() + ": both sides must be multiples of "
          + factor + " (the tokenizer's downsample factor) to keep its size; resize or crop it");
    }
    return image;
  }
}
