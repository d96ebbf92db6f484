package io.liquidj.framework.generate;

/**
 * The fixed token ids around what a user sends, tokenized once by the recipe (so the graph and a
 * TensorFlow Serving client only deal with the ids of the user's own text).
 *
 * <ul>
 *   <li>text → image: {@code imagePrefix + prompt + imageSuffix} (Liquid: {@code [bos]} and
 *       {@code " Generate an image based on this description." [boi]}); the guidance stream is
 *       {@code unconditional} ({@code <unconditional> [boi]}). With an image size ({@code width=},
 *       {@code height=}), {@code imageSuffix} starts with {@code "Image Size: Width is W Height is H."}
 *       and {@code unconditional} says the size before {@code <unconditional>}.
 *   <li>image → text: {@code captionPrefix + [boi] codes [eoi] + captionAfterImage + question +
 *       captionSuffix} (Gemma's chat: {@code [bos]<start_of_turn>user\n}, {@code \n}, {@code
 *       <end_of_turn>\n<start_of_turn>model\n}).
 *   <li>text: {@code textPrefix + prompt + textSuffix}.
 * </ul>
 *
 * @param stopIds ids that end text generation (EOS, end of turn)
 */
public record PromptTemplates(
    int[] imagePrefix,
    int[] imageSuffix,
    int[] unconditional,
    int[] captionPrefix,
    int[] captionAfterImage,
    int[] captionSuffix,
    int[] textPrefix,
    int[] textSuffix,
    int[] stopIds) {

  public PromptTemplates {
    imagePrefix = imagePrefix.clone();
    imageSuffix = imageSuffix.clone();
    unconditional = unconditional.clone();
    captionPrefix = captionPrefix.clone();
    captionAfterImage = captionAfterImage.clone();
    captionSuffix = captionSuffix.clone();
    textPrefix = textPrefix.clone();
    textSuffix = textSuffix.clone();
    stopIds = stopIds.clone();
    if (imageSuffix.length == 0 || unconditional.length == 0) {
      throw new IllegalArgumentException("the image prompt and the unconditional prompt must end with <boi>");
    }
  }
}
