package io.liquidj.framework.data;

/**
 * The text that tells the model the size of the image to generate, exactly as Liquid's released
 * {@code DataCollatorForSupervisedDataset} writes it for {@code multi} data (liquid/train/train.py):
 * {@code caption + 'Image Size: Width is {} Height is {}.'.format(width, height) + instruction}, and
 * {@code 'Image Size: Width is {} Height is {}. <unconditional>'} when the text is dropped for
 * classifier-free guidance. Width and height are the pixels the VQGAN saw (the reference's Data.md:
 * "record the cropped size in the metadata"), not code counts.
 */
public final class ImageSizePrompt {
  /** The text with {@code {W}} and {@code {H}} for the pixels (as an export's serving contract tells clients). */
  public static final String TEMPLATE = "Image Size: Width is {W} Height is {H}.";

  private ImageSizePrompt() {}

  /** {@code "Image Size: Width is {width} Height is {height}."}: between the caption and the instruction, no spaces added. */
  public static String text(int width, int height) {
    return TEMPLATE.replace("{W}", Integer.toString(width)).replace("{H}", Integer.toString(height));
  }

  /**
   * {@code "Image Size: Width is {width} Height is {height}. "}: the text before {@code <unconditional>}
   * (its trailing space is the reference's; an added token does not strip it unless declared {@code lstrip}).
   */
  public static String beforeUnconditional(int width, int height) {
    return text(width, height) + " ";
  }
}
