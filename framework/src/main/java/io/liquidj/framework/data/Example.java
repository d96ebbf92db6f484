package io.liquidj.framework.data;

import java.util.Arrays;

/**
 * One prepared example as stored in a shard: an image–caption pair (caption token ids without BOS,
 * raw image codes on an h×w grid) or a text document (token ids without BOS/EOS).
 *
 * @param kind pair or text
 * @param textIds caption ids (pairs) or document ids (text)
 * @param codes image codes 0..codebook-1, row-major [gridHeight·gridWidth]; empty for text
 * @param gridHeight code rows (0 for text)
 * @param gridWidth code columns (0 for text)
 */
public record Example(Kind kind, int[] textIds, int[] codes, int gridHeight, int gridWidth) {
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
  }

  /** An image–caption pair. */
  public static Example pair(int[] captionIds, int[] codes, int gridHeight, int gridWidth) {
    return new Example(Kind.PAIR, captionIds, codes, gridHeight, gridWidth);
  }

  /** A text document. */
  public static Example text(int[] ids) {
    return new Example(Kind.TEXT, ids, new int[0], 0, 0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Example e && e.kind == kind && e.gridHeight == gridHeight && e.gridWidth == gridWidth
        && Arrays.equals(e.textIds, textIds) && Arrays.equals(e.codes, codes);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(textIds) + Arrays.hashCode(codes);
  }

  @Override
  public String toString() {
    return kind + "(text " + textIds.length + " ids, codes " + gridHeight + "x" + gridWidth + ")";
  }
}
