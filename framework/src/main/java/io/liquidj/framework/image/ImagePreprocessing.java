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
    KEEP_SIZE,
    /**
     * Resized, keeping its aspect ratio, to the largest code grid within {@code size}² pixels whose
     * sides are multiples of the downsample factor (the reference's {@code multi} data: any aspect ratio
     * at about the square's token count); see {@link #keepAspect}.
     */
    KEEP_ASPECT
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
      case KEEP_ASPECT -> keepAspect(image, (long) size * size, factor);
    };
  }

  /**
   * The code grid {rows, columns} for a {@code width}×{@code height} image within {@code maxPixels}:
   * with n = maxPixels / factor² codes and r = width / height, rows = ⌊√(n/r)⌋ and columns = ⌊√(n·r)⌋
   * (each at least 1, the product at most n). A square gives √n × √n (512² pixels at factor 16: 32 × 32);
   * 3:2 gives 26 × 39.
   */
  public static int[] aspectGrid(int width, int height, long maxPixels, int factor) {
    long codes = maxPixels / ((long) factor * factor);
    if (codes < 1) {
      throw new IllegalArgumentException(maxPixels + " pixels hold no " + factor + "×" + factor + " code");
    }
    double ratio = (double) width / height;
    int rows = (int) Math.max(1, Math.min(codes, Math.floor(Math.sqrt(codes / ratio))));
    int columns = (int) Math.max(1, Math.min(codes / rows, Math.floor(Math.sqrt(codes * ratio))));
    return new int[] {rows, columns};
  }

  /**
   * The image at the {@link #aspectGrid} size (columns·factor × rows·factor pixels): Lanczos-resized to
   * cover it, then the centre cropped (a few pixels at most, where the grid rounds the aspect ratio).
   */
  public static RgbImage keepAspect(RgbImage image, long maxPixels, int factor) {
    int[] grid = aspectGrid(image.width(), image.height(), maxPixels, factor);
    int height = grid[0] * factor;
    int width = grid[1] * factor;
    double scale = Math.max((double) width / image.width(), (double) height / image.height());
    int w = Math.max(width, (int) Math.rint(scale * image.width()));
    int h = Math.max(height, (int) Math.rint(scale * image.height()));
    RgbImage resized = w == image.width() && h == image.height() ? image : image.resize(w, h);
    return resized.crop((w - width) / 2, (h - height) / 2, width, height);
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
