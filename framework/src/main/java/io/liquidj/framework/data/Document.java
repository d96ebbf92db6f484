package io.liquidj.framework.data;

/**
 * One training document before packing.
 *
 * @param tokens token ids
 * @param trained whether predicting {@code tokens[i]} (from position i−1) carries loss
 * @param splittable whether packing may cut it at a row end (text) or must keep it whole (image sequences)
 * @param layout which of Liquid's sequence layouts it is
 */
public record Document(int[] tokens, boolean[] trained, boolean splittable, Layout layout) {
  /** The layouts of {@link SequenceBuilder}. */
  public enum Layout {
    /** caption, instruction, image: the model learns to generate the image. */
    TEXT_TO_IMAGE,
    /** {@code <unconditional>}, image: the text→image layout with its text dropped for classifier-free guidance. */
    UNCONDITIONAL,
    /** image, "The caption of this image is:", caption: the model learns to caption. */
    IMAGE_TO_TEXT,
    /** a text-only document. */
    TEXT
  }

  public Document {
    if (tokens.length != trained.length) {
      throw new IllegalArgumentException("tokens and trained differ in length");
    }
  }

  public int length() {
    return tokens.length;
  }
}
