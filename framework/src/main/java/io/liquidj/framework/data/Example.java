package io.liquidj.framework.data;

import java.util.Arrays;

/**
 * One prepared example as stored in a shard: an image–caption pair (caption token ids without BOS,
 * raw image codes on an h×w grid) or a text document (token ids without BOS/EOS).
 *
 * <p>A pair prepared with {@code data.prepare.aspect-ratio = keep} records the pixel size the image
 * tokenizer saw: it is the reference's {@code multi} data, whose text→image sequences say
 * {@code Image Size: Width is {width} Height is {height}.} (liquid/train/train.py). A centre-cropped
 * square pair records 0 × 0 and is the reference's plain {@code image_text} data.
 *
 * @param kind pair or text
 * @param textIds caption ids (pairs) or document ids (text)
 * @param codes image codes 0..codebook-1, row-major [gridHeight·gridWidth]; empty for text
 * @param gridHeight code rows (0 for text)
 * @param gridWidth code columns (0 for text)
 * @param width pixels across as tokenized, when prepare kept the aspect ratio; else 0
 * @param height pixels down as tokenized, when prepare kept the aspect ratio; else 0
 */
public record Example(Kind kind, int[] textIds, int[] codes, int gridHeight, int gridWidth, int width, int height) {
  /** What an example holds. */
  public enum Kind {
    PAIR,
    TEXT
  }

  public Example {
    if (codes.length != gridHeight * gridWidth) {
      throw new IllegalArgumentException(codes.length + " codes for a " + gridHeight + "x" + gridWidth + " grid");
    }
    if (kind == Kind.TEXT && codes.length != 0) {
      throw new IllegalArgumentException("a text example has no image codes");
    }
    if (kind == Kind.PAIR && codes.length == 0) {
      throw new IllegalArgumentException("an image–caption pair needs image codes");
    }
    if ((width == 0) != (height == 0) || width < 0 || height < 0 || (width > 0 && (kind == Kind.TEXT
        || width % gridWidth != 0 || height % gridHeight != 0 || width / gridWidth != height / gridHeight))) {
      throw new IllegalArgumentException("image size " + width + "x" + height + " does not fit a " + gridHeight + "x"
          + gridWidth + " code grid with one downsample factor");
    }
  }

  /** Whether this pair records its pixel size (prepared keeping its aspect ratio: sequences carry the size prefix). */
  public boolean hasImageSize() {
    return width > 0;
  }

  /** An image–caption pair of a centre-cropped image (no recorded size, no size prefix). */
  public static Example pair(int[] captionIds, int[] codes, int gridHeight, int gridWidth) {
    return new Example(Kind.PAIR, captionIds, codes, gridHeight, gridWidth, 0, 0);
  }

  /** An image–caption pair of an image kept at its aspect ratio, {@code width}×{@code height} pixels as tokenized. */
  public static Example pair(int[] captionIds, int[] codes, int gridHeight, int gridWidth, int width, int height) {
    return new Example(Kind.PAIR, captionIds, codes, gridHeight, gridWidth, width, height);
  }

  /** A text document. */
  public static Example text(int[] ids) {
    return new Example(Kind.TEXT, ids, new int[0], 0, 0, 0, 0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Example e && e.kind == kind && e.gridHeight == gridHeight && e.gridWidth == gridWidth
        && e.width == width && e.height == height && Arrays.equals(e.textIds, textIds) && Arrays.equals(e.codes, codes);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(textIds) + Arrays.hashCode(codes);
  }

  @Override
  public String toString() {
    return kind + "(text " + textIds.length + " ids, codes " + gridHeight + "x" + gridWidth
        + (width > 0 ? ", image " + width + "x" + height : "") + ")";
  }
}
