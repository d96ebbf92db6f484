package io.liquidj.framework.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Decodes encoded image bytes for {@code prepare} and turns them into the image tokenizer's input:
 * the shorter side resized to {@code imageSize}, centre-cropped to a square, RGB in [-1, 1], CHW.
 * Images that are too small or too elongated are rejected with their reason. Thread-safe.
 *
 * <p>Decoding uses {@code javax.imageio} (JPEG, PNG, BMP, GIF); WebP has no built-in reader and is
 * reported as unreadable.
 */
public final class ImageDecoder {
  private final int imageSize;
  private final int minImageSize;
  private final double maxAspectRatio;

  /** A decoded image (pixels CHW, {@code 3·size·size}) or the reason it is skipped. */
  public record Result(float[] pixels, SkipReason skip, String detail) {
    static Result skipped(SkipReason reason, String detail) {
      return new Result(null, reason, detail);
    }
  }

  /**
   * @param imageSize side of the square output
   * @param minImageSize shorter sides below this are {@link SkipReason#TOO_SMALL}
   * @param maxAspectRatio long/short side ratios above this are {@link SkipReason#ASPECT_RATIO}
   */
  public ImageDecoder(int imageSize, int minImageSize, double maxAspectRatio) {
    this.imageSize = imageSize;
    this.minImageSize = minImageSize;
    this.maxAspectRatio = maxAspectRatio;
  }

  /** Side of the square images produced. */
  public int imageSize() {
    return imageSize;
  }

  /** Decodes, checks, resizes and crops one image. */
  public Result decode(byte[] bytes) {
    BufferedImage image;
    try {
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
    return new Result(toPixels(resizeAndCrop(image)), null, null);
  }

  /** Shorter side to {@code imageSize} (halving first when shrinking a lot, to avoid aliasing), then centre crop. */
  private BufferedImage resizeAndCrop(BufferedImage image) {
    BufferedImage current = toRgb(image);
    int w = current.getWidth();
    int h = current.getHeight();
    double scale = (double) imageSize / Math.min(w, h);
    while (scale < 0.5) {
      current = scaled(current, Math.max(1, w / 2), Math.max(1, h / 2));
      w = current.getWidth();
      h = current.getHeight();
      scale = (double) imageSize / Math.min(w, h);
    }
    int tw = Math.max(imageSize, (int) Math.round(w * scale));
    int th = Math.max(imageSize, (int) Math.round(h * scale));
    BufferedImage resized = (tw == w && th == h) ? current : scaled(current, tw, th);
    return resized.getSubimage((tw - imageSize) / 2, (th - imageSize) / 2, imageSize, imageSize);
  }

  private static BufferedImage toRgb(BufferedImage image) {
    if (image.getType() == BufferedImage.TYPE_INT_RGB) {
      return image;
    }
    return scaled(image, image.getWidth(), image.getHeight());
  }

  private static BufferedImage scaled(BufferedImage src, int w, int h) {
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(src, 0, 0, w, h, java.awt.Color.WHITE, null); // transparency over white
    } finally {
      g.dispose();
    }
    return out;
  }

  /** RGB bytes to CHW floats in [-1, 1] (x / 127.5 − 1, as the VQGAN's training transform). */
  private float[] toPixels(BufferedImage image) {
    int n = imageSize * imageSize;
    int[] rgb = image.getRGB(0, 0, imageSize, imageSize, null, 0, imageSize);
    float[] pixels = new float[3 * n];
    for (int i = 0; i < n; i++) {
      int p = rgb[i];
      pixels[i] = ((p >> 16) & 0xFF) / 127.5f - 1f;
      pixels[n + i] = ((p >> 8) & 0xFF) / 127.5f - 1f;
      pixels[2 * n + i] = (p & 0xFF) / 127.5f - 1f;
    }
    return pixels;
  }
}
