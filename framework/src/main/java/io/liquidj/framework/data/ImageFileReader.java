package io.liquidj.framework.data;

import io.liquidj.framework.image.ImagePreprocessing;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Reads image files (their encoded bytes) for {@code prepare} and turns them into the image tokenizer's input
 * with Liquid's pretraining preprocessing ({@link ImagePreprocessing#centerCrop}: shorter side
 * Lanczos-resized to {@code imageSize}, centre square; or, keeping the aspect ratio, {@link
 * ImagePreprocessing#keepAspect} within {@code imageSize}² pixels; {@link Images#toBatch}: RGB in
 * [-1, 1], CHW).
 * Images that are too small or too elongated are rejected with their reason. Thread-safe.
 *
 * <p>Decoding uses {@code javax.imageio} (JPEG, PNG, BMP, GIF); WebP has no built-in reader and is
 * reported as unreadable.
 */
public final class ImageFileReader {
  private final int imageSize;
  private final boolean keepAspect;
  private final int factor;
  private final int minImageSize;
  private final double maxAspectRatio;
  private final long maxPixels;

  /** A decoded image (pixels CHW, {@code 3·height·width}) or the reason it is skipped. */
  public record Result(float[] pixels, int width, int height, SkipReason skip, String detail) {
    static Result skipped(SkipReason reason, String detail) {
      return new Result(null, 0, 0, reason, detail);
    }
  }

  /**
   * @param imageSize side of the square output; with {@code keepAspect}, the side of the pixel budget
   * @param keepAspect whether to keep the aspect ratio ({@link ImagePreprocessing.Mode#KEEP_ASPECT}) instead of
   *     centre-cropping a square
   * @param factor the image tokenizer's downsample factor (sides of kept-aspect images are multiples of it)
   * @param minImageSize shorter sides below this are {@link SkipReason#TOO_SMALL}
   * @param maxAspectRatio long/short side ratios above this are {@link SkipReason#ASPECT_RATIO}
   * @param maxPixels images whose header declares more pixels are {@link SkipReason#TOO_LARGE}, never decoded
   */
  public ImageFileReader(int imageSize, boolean keepAspect, int factor, int minImageSize, double maxAspectRatio,
      long maxPixels) {
    this.imageSize = imageSize;
    this.keepAspect = keepAspect;
    this.factor = factor;
    this.minImageSize = minImageSize;
    this.maxAspectRatio = maxAspectRatio;
    this.maxPixels = maxPixels;
  }

  /** Decodes, checks, resizes and crops one image; the pixel limit is checked from the header, before decoding. */
  public Result decode(byte[] bytes) {
    BufferedImage image;
    try {
      Images.Size size = Images.declaredSize(new ByteArrayInputStream(bytes));
      if (size == null) {
        return Result.skipped(SkipReason.UNREADABLE, "no decoder for this format");
      }
      if (size.pixels() > maxPixels) {
        return Result.skipped(SkipReason.TOO_LARGE, size + " = " + size.pixels() + " pixels, over "
            + "data.prepare.max-image-pixels " + maxPixels);
      }
      image = ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException | RuntimeException e) {
      return Result.skipped(SkipReason.UNREADABLE, TarSamples.firstLine(String.valueOf(e.getMessage())));
    }
    if (image == null) {
      return Result.skipped(SkipReason.UNREADABLE, "no decoder for this format");
    }
    int w = image.getWidth();
    int h = image.getHeight();
    int shorter = Math.min(w, h);
    if (shorter < minImageSize) {
      return Result.skipped(SkipReason.TOO_SMALL, w + "x" + h);
    }
    if ((double) Math.max(w, h) / shorter > maxAspectRatio) {
      return Result.skipped(SkipReason.ASPECT_RATIO, w + "x" + h);
    }
    RgbImage input = ImagePreprocessing.apply(Images.fromBufferedImage(image),
        keepAspect ? ImagePreprocessing.Mode.KEEP_ASPECT : ImagePreprocessing.Mode.CENTER_CROP, imageSize, factor);
    return new Result(Images.toBatch(List.of(input)).pixels(), input.width(), input.height(), null, null);
  }
}
