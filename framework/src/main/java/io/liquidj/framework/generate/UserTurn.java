package io.liquidj.framework.generate;

/**
 * The text around one user message in the backbone's chat template, with the generation prompt at
 * the end of {@code after} (Gemma: {@code <start_of_turn>user\n} and {@code
 * <end_of_turn>\n<start_of_turn>model\n}). The recipe reads it from the tokenizer's {@code
 * tokenizer_config.json}; captions and text answers are generated inside it, image prompts never
 * (Liquid's text → image prompt is raw). {@link #PLAIN} leaves prompts as they are.
 *
 * <p>{@code after} starts with the template's end-of-turn token ({@code <end_of_turn>},
 * {@code <|eot_id|>}, {@code <|im_end|>}): {@link TemplateTokens} makes its first id a stop id.
 *
 * @param before the text before the message (without BOS)
 * @param after the text after it, ending with the generation prompt
 */
public record UserTurn(String before, String after) {
  /** No chat template: the message itself, for the model to continue. */
  public static final UserTurn PLAIN = new UserTurn("", "");

  /** Whether this wraps nothing. */
  public boolean isPlain() {
    return before.isEmpty() && after.isEmpty();
  }
}
