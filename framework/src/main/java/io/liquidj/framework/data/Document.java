package io.liquidj.framework.data;

/**
 * One training document before packing.
 *
 * @param tokens token ids
 * @param trained whether predicting {@code tokens[i]} (from position i−1) carries loss
 * @param splittable whether packing may cut it at a row end (text) or must keep it whole (image sequences)
 */
public record Document(int[] tokens, boolean[] trained, boolean splittable) {
  public Document {
    if (tokens.length != trained.length) {
      throw new IllegalArgumentException("tokens and trained differ in length");
    }
  }

  public int length() {
    return tokens.length;
  }
}
