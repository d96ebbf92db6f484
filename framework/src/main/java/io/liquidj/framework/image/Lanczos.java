package io.liquidj.framework.image;

/**
 * Lanczos-3 resampling of 8-bit images, a transcription of Pillow's {@code Resample.c}
 * ({@code precompute_coeffs}, {@code normalize_coeffs_8bpc}, {@code ImagingResampleHorizontal_8bpc}):
 * separable, horizontal pass first, support widened by the scale when shrinking (antialiasing),
 * coefficients in 22-bit fixed point, each pass rounded and clamped to 0..255. Same input, same bytes
 * as {@code PIL.Image.resize(size, Image.LANCZOS)} on an RGB image.
 */
final class Lanczos {
  /** Pillow: {@code PRECISION_BITS = 32 - 8 - 2}. */
  private static final int PRECISION_BITS = 22;
  private static final double SUPPORT = 3.0;

  private Lanczos() {}

  /** One output pixel's taps: input offset {@code start}, fixed-point weights. */
  record Taps(int[] start, int[] count, int[][] weights) {}

  static RgbImage resize(RgbImage in, int outWidth, int outHeight) {
    if (outWidth <= 0 || outHeight <= 0) {
      throw new IllegalArgumentException("resize target must be positive, got " + outWidth + "x" + outHeight);
    }
    RgbImage out = in;
    if (outWidth != in.width()) {
      out = horizontal(out, outWidth);
    }
    if (outHeight != in.height()) {
      out = vertical(out, outHeight);
    }
    return out == in ? new RgbImage(in.width(), in.height(), in.rgb().clone()) : out;
  }

  private static RgbImage horizontal(RgbImage in, int outWidth) {
    Taps taps = taps(in.width(), outWidth);
    byte[] src = in.rgb();
    byte[] dst = new byte[outWidth * in.height() * 3];
    for (int y = 0; y < in.height(); y++) {
      int row = y * in.width();
      for (int x = 0; x < outWidth; x++) {
        int[] k = taps.weights[x];
        for (int c = 0; c < 3; c++) {
          int ss = 1 << (PRECISION_BITS - 1);
          for (int i = 0; i < taps.count[x]; i++) {
            ss += (src[(row + taps.start[x] + i) * 3 + c] & 0xff) * k[i];
          }
          dst[(y * outWidth + x) * 3 + c] = clip8(ss);
        }
      }
    }
    return new RgbImage(outWidth, in.height(), dst);
  }

  private static RgbImage vertical(RgbImage in, int outHeight) {
    Taps taps = taps(in.height(), outHeight);
    int w = in.width();
    byte[] src = in.rgb();
    byte[] dst = new byte[w * outHeight * 3];
    for (int y = 0; y < outHeight; y++) {
      int[] k = taps.weights[y];
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < 3; c++) {
          int ss = 1 << (PRECISION_BITS - 1);
          for (int i = 0; i < taps.count[y]; i++) {
            ss += (src[((taps.start[y] + i) * w + x) * 3 + c] & 0xff) * k[i];
          }
          dst[(y * w + x) * 3 + c] = clip8(ss);
        }
      }
    }
    return new RgbImage(w, outHeight, dst);
  }

  /** Pillow's clip8: the accumulator shifted down and clamped to a byte. */
  private static byte clip8(int ss) {
    int v = ss >> PRECISION_BITS;
    return (byte) (v < 0 ? 0 : Math.min(v, 255));
  }

  /** Pillow's precompute_coeffs for the box [0, inSize) followed by normalize_coeffs_8bpc. */
  static Taps taps(int inSize, int outSize) {
    double scale = (double) inSize / outSize;
    double filterScale = Math.max(scale, 1.0);
    double support = SUPPORT * filterScale;
    int[] start = new int[outSize];
    int[] count = new int[outSize];
    int[][] weights = new int[outSize][];
    for (int xx = 0; xx < outSize; xx++) {
      double center = (xx + 0.5) * scale;
      double ss = 1.0 / filterScale;
      // (int) truncates toward zero as C does; negative values are clamped to 0 just after.
      int xmin = Math.max((int) (center - support + 0.5), 0);
      int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
      double[] k = new double[xmax];
      double ww = 0.0;
      for (int x = 0; x < xmax; x++) {
        double w = lanczos((x + xmin - center + 0.5) * ss);
        k[x] = w;
        ww += w;
      }
      int[] fixed = new int[xmax];
      for (int x = 0; x < xmax; x++) {
        double v = ww != 0.0 ? k[x] / ww : k[x];
        fixed[x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
      }
      start[xx] = xmin;
      count[xx] = xmax;
      weights[xx] = fixed;
    }
    return new Taps(start, count, weights);
  }

  /** Truncated sinc: sinc(x)·sinc(x/3) on [-3, 3). */
  static double lanczos(double x) {
    return -SUPPORT <= x && x < SUPPORT ? sinc(x) * sinc(x / SUPPORT) : 0.0;
  }

  private static double sinc(double x) {
    if (x == 0.0) {
      return 1.0;
    }
    x *= Math.PI;
    return Math.sin(x) / x;
  }
}
