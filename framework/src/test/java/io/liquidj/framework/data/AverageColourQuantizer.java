package io.liquidj.framework.data;

import io.liquidj.framework.tokenizer.ImageBatch;
import io.liquidj.framework.tokenizer.ImageTokenizer;

/**
 * A real, tiny image tokenizer for tests: each 4×4 patch becomes its average colour quantised to 4
 * levels per channel, code = r·16 + g·4 + b (64 codes); decoding paints the level's centre colour.
 */
public final class AverageColourQuantizer implements ImageTokenizer {
  public static final int PATCH = 4;

  @Override
  public int codebookSize() {
    return 64;
  }

  @Override
  public int downsampleFactor() {
    return PATCH;
  }

  @Override
  public int[][] encode(ImageBatch images) {
    int h = images.height() / PATCH;
    int w = images.width() / PATCH;
    int plane = images.height() * images.width();
    int[][] codes = new int[images.batch()][h * w];
    for (int b = 0; b < images.batch(); b++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int code = 0;
          for (int c = 0; c < 3; c++) {
            double sum = 0;
            for (int dy = 0; dy < PATCH; dy++) {
              for (int dx = 0; dx < PATCH; dx++) {
                sum += images.pixels()[(b * 3 + c) * plane + (y * PATCH + dy) * images.width() + x * PATCH + dx];
              }
            }
            code = code * 4 + level(sum / (PATCH * PATCH));
          }
          codes[b][y * w + x] = code;
        }
      }
    }
    return codes;
  }

  /** The colour level 0..3 of a value in [-1, 1]. */
  public static int level(double value) {
    return Math.min(3, (int) ((value + 1) / 2 * 4));
  }

  /** The code of an RGB colour (0..255 per channel) on a solid patch. */
  public static int codeOf(int r, int g, int b) {
    return level(r / 127.5 - 1) * 16 + level(g / 127.5 - 1) * 4 + level(b / 127.5 - 1);
  }

  @Override
  public ImageBatch decode(int[][] codes, int h, int w) {
    int height = h * PATCH;
    int width = w * PATCH;
    int plane = height * width;
    float[] pixels = new float[codes.length * 3 * plane];
    for (int b = 0; b < codes.length; b++) {
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int code = codes[b][(y / PATCH) * w + x / PATCH];
          int[] levels = {code / 16, (code / 4) % 4, code % 4};
          for (int c = 0; c < 3; c++) {
            pixels[(b * 3 + c) * plane + y * width + x] = (levels[c] + 0.5f) / 2f - 1f;
          }
        }
      }
    }
    return new ImageBatch(pixels, codes.length, height, width);
  }

  @Override
  public void close() {}
}
