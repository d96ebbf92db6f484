package io.liquidj.tokenizers.text;

import io.liquidj.framework.UserError;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One user turn and the generation prompt, as the tokenizer's chat template renders them, for the
 * families we recognise (no Jinja engine). The text leaves out BOS: encode it with {@code
 * addSpecialTokens = true}, which adds BOS where the family has one (the templates write
 * {@code bos_token} themselves and are tokenized without special tokens: the same ids).
 *
 * <ul>
 *   <li>gemma: {@code <start_of_turn>user\n{msg}<end_of_turn>\n<start_of_turn>model\n}
 *   <li>llama3: {@code <|start_header_id|>user<|end_header_id|>\n\n{msg}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n}
 *   <li>chatml (Qwen2.5): the template's default system turn if it has one, then {@code
 *       <|im_start|>user\n{msg}<|im_end|>\n<|im_start|>assistant\n}
 *   <li>plain (no chat template, e.g. the demo's tokenizer): the message itself, for the model to continue
 * </ul>
 *
 * @param family gemma, llama3, chatml or plain
 * @param before the text before the message
 * @param after the text after it, ending with the generation prompt
 * @param trimsMessage whether the template trims the message ({@code message['content'] | trim})
 */
public record ChatFormat(String family, String before, String after, boolean trimsMessage) {
  /** The fallback for a tokenizer without a chat template. */
  public static final ChatFormat PLAIN = new ChatFormat("plain", "", "", false);

  private static final Pattern CHATML_DEFAULT_SYSTEM =
      Pattern.compile("'<\\|im_start\\|>system\\\\n([^'+]*)<\\|im_end\\|>\\\\n'");

  /** The text of one user message followed by the generation prompt. */
  public String userTurn(String message) {
    return before + (trimsMessage ? message.strip() : message) + after;
  }

  /**
   * The format of a {@code chat_template} (null: {@link #PLAIN}).
   *
   * @param source where the template came from, for the error message
   */
  public static ChatFormat fromTemplate(String template, String source) {
    if (template == null) {
      return PLAIN;
    }
    boolean trims = template.contains("| trim");
    if (template.contains("<start_of_turn>")) {
      return new ChatFormat("gemma", "<start_of_turn>user\n", "<end_of_turn>\n<start_of_turn>model\n", trims);
    }
    if (template.contains("<|start_header_id|>")) {
      return new ChatFormat("llama3", "<|start_header_id|>user<|end_header_id|>\n\n",
          "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", trims);
    }
    if (template.contains("<|im_start|>")) {
      Matcher m = CHATML_DEFAULT_SYSTEM.matcher(template);
      String system = m.find() ? "<|im_start|>system\n" + m.group(1) + "<|im_end|>\n" : "";
      return new ChatFormat("chatml", system + "<|im_start|>user\n", "<|im_end|>\n<|im_start|>assistant\n", trims);
    }
    String start = template.length() > 80 ? template.substring(0, 80) + "..." : template;
    throw new UserError(source + ": chat_template is not one we recognise (supported: Gemma <start_of_turn>, "
        + "Llama-3 <|start_header_id|>, ChatML <|im_start|>); found: " + start.replace("\n", "\\n"));
  }
}
