package io.liquidj.framework.generate;

import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.data.ImageSizePrompt;
import io.liquidj.framework.tokenizer.TextTokenizer;
import java.util.stream.IntStream;

/**
 * Tokenizes the configured prompt templates once into {@link PromptTemplates}: the text before and
 * after {@code {prompt}} (and {@code {image}}), with [bos] first when the tokenizer has one, [boi]
 * closing the image prompts, and [bos] {@code <unconditional>} [boi] as the guidance stream. Caption
 * and text prompts are the user's message inside the chat template's {@link UserTurn} (Gemma:
 * {@code [bos]<start_of_turn>user\n[boi] codes [eoi]\n{question}<end_of_turn>\n<start_of_turn>model\n}).
 */
public final class TemplateTokens {
  private TemplateTokens() {}

  /**
   * The templates of {@code settings} in ids of {@code tokenizer}, captions and text inside {@code
   * turn}; vocabulary null for text-only models.
   */
  public static PromptTemplates of(TextTokenizer tokenizer, MultimodalVocabulary vocabulary, GenerateSettings settings,
      UserTurn turn) {
    int[] bos = tokenizer.bosId().isPresent() ? new int[] {tokenizer.bosId().getAsInt()} : new int[0];
    int boi = vocabulary == null ? 0 : vocabulary.boiTokenId();
    int unconditional = vocabulary == null ? 0 : vocabulary.unconditionalTokenId();
    String[] image = split(settings.imagePromptTemplate(), "{prompt}");
    String[] caption = split(settings.captionPromptTemplate(), "{image}");
    String[] question = split(caption[1], "{prompt}");
    String[] text = split(settings.textPromptTemplate(), "{prompt}");
    // With a size, the prompt says it as Liquid's train.py says it for multi data (ImageSizePrompt):
    // caption, "Image Size: Width is W Height is H.", instruction; and before <unconditional>.
    int[] size = settings.hasImageSize()
        ? encode(tokenizer, ImageSizePrompt.text(settings.width(), settings.height())) : new int[0];
    int[] sizeBeforeUnconditional = settings.hasImageSize()
        ? encode(tokenizer, ImageSizePrompt.beforeUnconditional(settings.width(), settings.height())) : new int[0];
    int[] stops = tokenizer.eosId().isPresent() ? new int[] {tokenizer.eosId().getAsInt()} : new int[0];
    if (!turn.isPlain()) {
      // the end-of-turn token that opens `after` ends the answer as EOS does
      stops = concat(stops, new int[] {tokenizer.encode(turn.after(), false)[0]});
    }
    return new PromptTemplates(
        concat(bos, encode(tokenizer, image[0])),
        concat(concat(size, encode(tokenizer, image[1])), new int[] {boi}),
        concat(concat(bos, sizeBeforeUnconditional), new int[] {unconditional, boi}),
        concat(bos, encode(tokenizer, turn.before() + caption[0])),
        encode(tokenizer, question[0]),
        encode(tokenizer, question[1] + turn.after()),
        concat(bos, encode(tokenizer, turn.before() + text[0])),
        encode(tokenizer, text[1] + turn.after()),
        stops);
  }

  private static String[] split(String template, String placeholder) {
    int at = template.indexOf(placeholder);
    return new String[] {template.substring(0, at), template.substring(at + placeholder.length())};
  }

  private static int[] encode(TextTokenizer tokenizer, String text) {
    return text.isEmpty() ? new int[0] : tokenizer.encode(text, false);
  }

  static int[] concat(int[] a, int[] b) {
    return IntStream.concat(IntStream.of(a), IntStream.of(b)).toArray();
  }
}
