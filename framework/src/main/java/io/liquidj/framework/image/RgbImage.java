package io.liquidj.framework.image;

/**
 * An 8-bit RGB image, row-major, interleaved ({@code rgb[(y*width + x)*3 + c]}, values 0..255 as
 * unsigned bytes): the form images take between decoding a file and becoming an {@code ImageBatch}.
 */
public record RgbImage(int width, int height, byte[] rgb) {
  public RgbImage {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
    }
    if ((long) width * height * 3 != rgb.length) {
      throw new IllegalArgumentException("rgb has " + rgb.length + " bytes, expected " + width + "*" + height + "*3");
    }
  }

  /** A {@code width}×{@code height} image filled with one color. */
  public static RgbImage filled(int width, int height, int r, int g, int b) {
    byte[] rgb = new byte[width * height * 3];
    for (int i = 0; i < rgb.length; i += 3) {
      rgb[i] = (byte) r;
      rgb[i + 1] = (byte) g;
      rgb[i + 2] = (byte) b;
    }
    return new RgbImage(width, height, rgb);
  }

  /** Channel {@code c} of pixel (x, y), 0..255. */
  public int get(int x, int y, int c) {
    return rgb[(y * width + x) * 3 + c] & 0xff;
  }

  /** Longer side over shorter side (≥ 1); Liquid's pretraining drops images above 2. */
  public double aspectRatio() {
    return (double) Math.max(width, height) / Math.min(width, height);
  }

  /** The region [x0, x0+w) × [y0, y0+h), which must lie inside the image. */
  public RgbImage crop(int x0, int y0, int w, int h) {
    if (x0 < 0 || y0 < 0 || x0 + w > width || y0 + h > height) {
      throw new IllegalArgumentException("crop " + w + "x" + h + "+" + x0 + "+" + y0 + " outside " + width + "x" + height);
    }
    byte[] out = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      System.arraycopy(rgb, ((y0 + y) * width + x0) * 3, out, y * w * 3, w * 3);
    }
    return new RgbImage(w, h, out);
  }

  /** This image pasted at (x0, y0) on {@code canvas} (a copy; parts outside are cut off). */
  public RgbImage pasteOnto(RgbImage canvas, int x0, int y0) {
    byte[] out = canvas.rgb.clone();
    for (int y = Math.max(0, -y0); y < height && y0 + y < canvas.height; y++) {
      int xs = Math.max(0, -x0);
      int xe = Math.min(width, canvas.width - x0);
      if (xe > xs) {
        System.arraycopy(rgb, (y * width + xs) * 3, out, ((y0 + y) * canvas.width + x0 + xs) * 3, (xe - xs) * 3);
      }
    }
    return new RgbImage(canvas.width, canvas.height, out);
  }

  /** Resized with a Lanczos-3 filter, exactly as PIL's {@code Image.resize(size, LANCZOS)}. */
  public RgbImage resize(int newWidth, int newHeight) {
    return Lanczos.resize(this, newWidth, newHeight);
  }
}
