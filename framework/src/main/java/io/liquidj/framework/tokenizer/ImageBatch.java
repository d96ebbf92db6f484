package io.liquidj.framework.tokenizer;

/**
 * A batch of RGB images, NCHW, values in [-1, 1].
 *
 * @param pixels {@code batch * 3 * height * width} floats, row-major [B,3,H,W]
 */
public record ImageBatch(float[] pixels, int batch, int height, int width) {
  public ImageBatch {
    if ((long) batch * 3 * height * width != pixels.length) {
      throw new IllegalArgumentException("pixels has " + pixels.length + " values, expected "
          + batch + "*3*" + height + "*" + width);
    }
  }
}
