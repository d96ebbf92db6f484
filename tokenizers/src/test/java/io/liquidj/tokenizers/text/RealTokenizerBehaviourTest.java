package io.liquidj.tokenizers.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.liquidj.framework.UserError;
import io.liquidj.framework.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips, streaming, special tokens and chat formats on the real published files. */
class RealTokenizerBehaviourTest {
  static final List<String> NAMES = List.of("llama3", "qwen2.5", "gemma", "gemma2");
  @TempDir static Path tmp;
  static final Map<String, Path> DIRS = new LinkedHashMap<>();
  static final Map<String, TextTokenizer> TOKENIZERS = new LinkedHashMap<>();

  @BeforeAll
  static void load() {
    for (String name : NAMES) {
      DIRS.put(name, RealTokenizers.unpack(name, tmp));
      TOKENIZERS.put(name, RealTokenizers.loader().load(DIRS.get(name)));
    }
  }

  /** What decode(encode(s)) must give: lone surrogates as U+FFFD, then the file's normalizer. */
  static String expectedRoundTrip(String name, String s) {
    String t = Utf8.withoutLoneSurrogates(s);
    if (name.equals("qwen2.5")) {
      return Normalizer.normalize(t, Normalizer.Form.NFC);
    }
    return name.startsWith("gemma") ? t.replace('\u2581', ' ') : t;
  }

  static String randomText(Random r) {
    StringBuilder b = new StringBuilder();
    int pieces = 1 + r.nextInt(12);
    for (int p = 0; p < pieces; p++) {
      switch (r.nextInt(10)) {
        case 0 -> b.append(" The quick brown fox's  jump, 2024!\n");
        case 1 -> b.appendCodePoint(0x4E00 + r.nextInt(0x5000)); // CJK
        case 2 -> b.appendCodePoint(0xAC00 + r.nextInt(11172)); // Hangul syllables
        case 3 -> b.appendCodePoint(0x1F300 + r.nextInt(0x300)); // emoji
        case 4 -> b.append('e').appendCodePoint(0x0300 + r.nextInt(0x70)); // combining marks
        case 5 -> b.append((char) r.nextInt(0x20)); // control characters, tab, newline
        case 6 -> b.append((char) (0xD800 + r.nextInt(0x800))); // a lone surrogate
        case 7 -> b.appendCodePoint(r.nextInt(0x30000)); // anything, pairs and lone surrogates included
        case 8 -> b.append("  \t ").append(r.nextInt(100000));
        default -> b.append("\u00e9t\u00e9 \u0645\u0631\u062d\u0628\u0627 \u043f\u0440\u0438\u0432\u0435\u0442 ");
      }
    }
    return b.toString();
  }

  @Test
  void decodeOfEncodeGivesTheTextBackForRandomUnicode() {
    Random r = new Random(4);
    for (int i = 0; i < 300; i++) {
      String s = randomText(r);
      for (String name : NAMES) {
        TextTokenizer t = TOKENIZERS.get(name);
        assertEquals(expectedRoundTrip(name, s), t.decode(t.encode(s, false), false), name + ": " + s);
        int[] withSpecial = t.encode(s, true);
        assertEquals(expectedRoundTrip(name, s), t.decode(withSpecial, true), name + " skipping specials");
      }
    }
  }

  @Test
  void longRunsOfOneCharacterClassEncodeWithoutStackOverflow() {
    for (String s : List.of("a".repeat(200_000), " ".repeat(100_000) + "x", "\n \t".repeat(50_000), "!?".repeat(100_000))) {
      for (String name : NAMES) {
        TextTokenizer t = TOKENIZERS.get(name);
        assertEquals(expectedRoundTrip(name, s), t.decode(t.encode(s, false), false), name);
      }
    }
  }

  @Test
  void loneSurrogatesEncodeAsTheReplacementCharacter() {
    for (String name : NAMES) {
      TextTokenizer t = TOKENIZERS.get(name);
      assertArrayEquals(t.encode("a\uFFFDb\uFFFD", false), t.encode("a\uD800b\uDFFF", false), name);
    }
  }

  @Test
  void streamingDecoderNeverEmitsHalfACharacterAndMatchesDecode() {
    Random r = new Random(9);
    for (int i = 0; i < 150; i++) {
      String s = randomText(r);
      for (String name : NAMES) {
        TextTokenizer t = TOKENIZERS.get(name);
        int[] ids = t.encode(s, true);
        TextTokenizer.StreamingDecoder stream = t.streamingDecoder(false);
        StringBuilder all = new StringBuilder();
        for (int id : ids) {
          String piece = stream.next(id);
          assertEquals(piece, Utf8.withoutLoneSurrogates(piece), name + ": a piece ends mid-character");
          all.append(piece);
        }
        assertEquals("", stream.flush());
        assertEquals(t.decode(ids, false), all.toString(), name);
      }
    }
  }

  @Test
  void streamingDecoderHoldsTheBytesOfAnEmojiUntilItIsComplete() {
    TextTokenizer t = TOKENIZERS.get("llama3");
    int[] ids = t.encode("\uD83E\uDD8A", false); // 🦊: four bytes, more than one token
    assertTrue(ids.length > 1);
    TextTokenizer.StreamingDecoder stream = t.streamingDecoder(false);
    for (int i = 0; i < ids.length - 1; i++) {
      assertEquals("", stream.next(ids[i]));
    }
    assertEquals("\uD83E\uDD8A", stream.next(ids[ids.length - 1]));
  }

  @Test
  void streamingDecoderFlushesAnIncompleteCharacterAsOneReplacement() {
    TextTokenizer t = TOKENIZERS.get("gemma2");
    TextTokenizer.StreamingDecoder stream = t.streamingDecoder(false);
    assertEquals("", stream.next(t.tokenId("<0xF0>").getAsInt()));
    assertEquals("", stream.next(t.tokenId("<0x9F>").getAsInt()));
    assertEquals("\uFFFD", stream.flush());
  }

  @Test
  void gemmaEncodesATabAsTheLiteralToken226() {
    for (String name : List.of("gemma", "gemma2")) {
      TextTokenizer t = TOKENIZERS.get(name);
      assertTrue(t.tokenId("<0x09>").isEmpty());
      assertTrue(Arrays.stream(t.encode("a\tb", false)).anyMatch(id -> id == 226), name);
    }
  }

  @Test
  void bosAndEosComeFromTheConfig() {
    assertEquals(128000, TOKENIZERS.get("llama3").bosId().getAsInt());
    assertEquals(128009, TOKENIZERS.get("llama3").eosId().getAsInt()); // <|eot_id|>
    assertTrue(TOKENIZERS.get("qwen2.5").bosId().isEmpty());
    assertEquals(151645, TOKENIZERS.get("qwen2.5").eosId().getAsInt()); // <|im_end|>
    assertEquals(2, TOKENIZERS.get("gemma2").bosId().getAsInt());
    assertEquals(1, TOKENIZERS.get("gemma2").eosId().getAsInt());
    assertEquals(2, TOKENIZERS.get("gemma2").encode("x", true)[0]);
    assertEquals(0, IntStream.of(TOKENIZERS.get("qwen2.5").encode("x", true)).filter(id -> id >= 151643).count());
  }

  @Test
  void liquidSpecialTokensCanReuseGemmasUnusedTokens() {
    TextTokenizer t = TextTokenizers.withSpecialTokens(TOKENIZERS.get("gemma"),
        Map.of("<boi>", 7, "<eoi>", 8, "<unconditional>", 9));
    int[] ids = t.encode("a red circle<boi><eoi><unconditional>", true);
    assertArrayEquals(new int[] {7, 8, 9}, Arrays.copyOfRange(ids, ids.length - 3, ids.length));
    assertEquals("a red circle<boi><eoi><unconditional>", t.decode(Arrays.copyOfRange(ids, 1, ids.length), false));
    assertEquals("a red circle", t.decode(ids, true));
    assertEquals(7, t.tokenId("<boi>").getAsInt());
    assertEquals(256_000, t.size());
    // Gemma-2's file lists <unused0> as an added token: its text still encodes to 7, now decoding to <boi>.
    TextTokenizer t2 = TextTokenizers.withSpecialTokens(TOKENIZERS.get("gemma2"), Map.of("<boi>", 7));
    assertArrayEquals(new int[] {7, 7}, t2.encode("<unused0><boi>", false));
    assertEquals("<boi><boi>", t2.decode(new int[] {7, 7}, false));
  }

  @Test
  void liquidSpecialTokensCanBeAppendedAfterTheVocabulary() {
    TextTokenizer t = TextTokenizers.withSpecialTokens(TOKENIZERS.get("llama3"),
        Map.of("<boi>", 128256, "<eoi>", 128257, "<unconditional>", 128258));
    assertEquals(128259, t.size());
    assertArrayEquals(new int[] {128000, 64, 128256, 128257}, t.encode("a<boi><eoi>", true));
    assertEquals("<unconditional>", t.decode(new int[] {128258}, false));
    TextTokenizer.StreamingDecoder stream = t.streamingDecoder(true);
    assertEquals("", stream.next(128256));
    assertEquals("a", stream.next(64));
  }

  @Test
  void chatFormatsFollowTheRealTemplates() {
    TextTokenizers loader = RealTokenizers.loader();
    ChatFormat llama = loader.chatFormat(DIRS.get("llama3"));
    assertEquals("llama3", llama.family());
    assertEquals("<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        llama.userTurn(" Hi there \n"));
    int[] ids = TOKENIZERS.get("llama3").encode(llama.userTurn("Hi"), true);
    assertArrayEquals(new int[] {128000, 128006, 882, 128007, 271, 13347, 128009, 128006, 78191, 128007, 271}, ids);

    ChatFormat qwen = loader.chatFormat(DIRS.get("qwen2.5"));
    assertEquals("chatml", qwen.family());
    assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
        + "<|im_start|>user\n Hi<|im_end|>\n<|im_start|>assistant\n", qwen.userTurn(" Hi"));
    int[] q = TOKENIZERS.get("qwen2.5").encode(qwen.userTurn("Hi"), true);
    assertEquals(151644, q[0]);
    assertEquals(List.of(151644, 77091, 198), List.of(q[q.length - 3], q[q.length - 2], q[q.length - 1]));

    assertEquals(ChatFormat.PLAIN, loader.chatFormat(DIRS.get("gemma2"))); // the base model ships no template
  }

  @Test
  void gemmaChatTemplateIsRecognised() {
    String template = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'assistant') %}"
        + "{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n'"
        + " + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}"
        + "{{'<start_of_turn>model\\n'}}{% endif %}";
    ChatFormat gemma = ChatFormat.fromTemplate(template, "test");
    assertEquals("<start_of_turn>user\nDescribe the image.<end_of_turn>\n<start_of_turn>model\n", gemma.userTurn("Describe the image. "));
    int[] ids = TOKENIZERS.get("gemma2").encode(gemma.userTurn("Hi"), true);
    assertEquals(List.of(2, 106, 1645, 108), List.of(ids[0], ids[1], ids[2], ids[3])); // <bos><start_of_turn>user\n
  }

  @Test
  void unknownChatTemplateIsAUserError() {
    UserError e = assertThrows(UserError.class, () -> ChatFormat.fromTemplate("{{ messages[0]['content'] }} [INST]", "x.json"));
    assertTrue(e.getMessage().contains("x.json") && e.getMessage().contains("<|im_start|>"), e.getMessage());
  }

  @Test
  void trainerWritesLlamaThreesSchema() throws Exception {
    JsonNode llama = TokenizerJson.read(DIRS.get("llama3").resolve("tokenizer.json"));
    JsonNode trained = BpeTrainer.train(List.of("a red circle", "a blue square"), 270);
    assertEquals(llama.get("pre_tokenizer"), trained.get("pre_tokenizer"));
    assertEquals(llama.get("decoder"), trained.get("decoder"));
    List<String> keys = iterate(llama.fieldNames());
    assertEquals(keys, iterate(trained.fieldNames()));
    assertEquals(iterate(llama.get("model").fieldNames()), iterate(trained.get("model").fieldNames()));
    assertFalse(trained.get("model").get("merges").isEmpty());
  }

  private static List<String> iterate(java.util.Iterator<String> it) {
    List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    out.sort(null);
    return out;
  }
}
