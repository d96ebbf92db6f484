package io.liquidj.recipes.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Guice;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.config.RecipeConfig;
import io.liquidj.framework.generate.GenerateSettings;
import io.liquidj.framework.generate.PromptTemplates;
import io.liquidj.framework.generate.TemplateTokens;
import io.liquidj.framework.generate.UserTurn;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.tokenizers.text.BpeTrainer;
import io.liquidj.tokenizers.text.ChatFormat;
import io.liquidj.tokenizers.text.TextTokenizers;
import io.liquidj.tokenizers.text.TextTokenizersModule;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Captions and text answers go through the tokenizer's chat template; image prompts stay raw. */
class ChatPromptTest {
  private static final TextTokenizers TOKENIZERS =
      Guice.createInjector(new TextTokenizersModule()).getInstance(TextTokenizers.class);
  /** The Liquid release's Gemma vocabulary: 8192 codes after 256,000 rows, specials at <unused0..2>. */
  private static final MultimodalVocabulary GEMMA = new MultimodalVocabulary(256_000, 8192, 7, 8, 9, 264_192);

  @TempDir Path tmp;

  private static GenerateSettings settings() {
    return GenerateSettings.from(RecipeConfig.load(Optional.empty(), List.of(), ChatPromptTest.class.getClassLoader()));
  }

  /** The Gemma fixture tokenizer with gemma-7b-it's chat template in its tokenizer_config.json. */
  private Path gemmaTokenizer() throws Exception {
    Path src = Fixtures.fixture("tokenizers/gemma");
    Path dir = Files.createDirectories(tmp.resolve("gemma"));
    try (InputStream in = new GZIPInputStream(Files.newInputStream(src.resolve("tokenizer.json.gz")))) {
      Files.copy(in, dir.resolve("tokenizer.json"));
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(src.resolve("tokenizer_config.json").toFile());
    config.put("chat_template", "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'assistant') %}"
        + "{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}"
        + "{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}"
        + "{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}");
    json.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
    return dir;
  }

  private static int[] concat(int[]... parts) {
    return java.util.Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
  }

  @Test
  void gemmaCaptionPromptIsTheChatTurnAroundTheImageAndQuestion() throws Exception {
    Path dir = gemmaTokenizer();
    // the fixture's tokenizer.json (an npm copy) lists the turn markers only in the vocabulary; the
    // released gemma-7b-it file has them as added tokens, as here
    TextTokenizer gemma = TextTokenizers.withSpecialTokens(TOKENIZERS.load(dir), Map.of("<boi>", 7, "<eoi>", 8,
        "<unconditional>", 9, "<start_of_turn>", 106, "<end_of_turn>", 107));
    ChatFormat chat = TOKENIZERS.chatFormat(dir);
    PromptTemplates t = TemplateTokens.of(gemma, GEMMA, settings(), new UserTurn(chat.before(), chat.after()));
    int[] question = gemma.encode("What is in the image?", false);
    int[] prompt = concat(t.captionPrefix(), new int[] {GEMMA.boiTokenId(), GEMMA.eoiTokenId()}, t.captionAfterImage(),
        question, t.captionSuffix());
    assertEquals("<bos><start_of_turn>user\n<boi><eoi>\nWhat is in the image?<end_of_turn>\n<start_of_turn>model\n",
        gemma.decode(prompt, false));
    assertEquals("<bos><start_of_turn>user\nhello<end_of_turn>\n<start_of_turn>model\n",
        gemma.decode(concat(t.textPrefix(), gemma.encode("hello", false), t.textSuffix()), false));
    assertTrue(IntStream.of(t.stopIds()).anyMatch(id -> id == 107), java.util.Arrays.toString(t.stopIds()));
    // Liquid's text → image prompt is raw: [bos] prompt " Generate an image based on this description." [boi]
    assertEquals("<bos>", gemma.decode(t.imagePrefix(), false));
    assertEquals(" Generate an image based on this description.<boi>", gemma.decode(t.imageSuffix(), false));
    assertArrayEquals(new int[] {2, 9, 7}, t.unconditional());
  }

  @Test
  void aTokenizerWithoutChatTemplateKeepsThePlainTemplates() throws Exception {
    Path dir = tmp.resolve("bpe");
    BpeTrainer.write(List.of("a red square", "a blue circle on a green background"), 300, dir);
    TextTokenizer bpe = TOKENIZERS.load(dir);
    ChatFormat chat = TOKENIZERS.chatFormat(dir);
    assertEquals(ChatFormat.PLAIN, chat);
    PromptTemplates t = TemplateTokens.of(bpe, new MultimodalVocabulary(300, 16, 316, 317, 318, 319), settings(),
        new UserTurn(chat.before(), chat.after()));
    assertArrayEquals(concat(bpe.bosId().stream().toArray(), new int[0]), t.textPrefix());
    assertArrayEquals(new int[0], t.textSuffix());
    assertArrayEquals(bpe.encode("\n", false), t.captionAfterImage());
  }
}
