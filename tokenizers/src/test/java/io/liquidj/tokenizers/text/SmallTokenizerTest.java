package io.liquidj.tokenizers.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Guice;
import io.liquidj.framework.UserError;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.tokenizers.TokenizersModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The BPE trainer's files, the loader's errors and its Guice wiring, on tiny tokenizers. */
class SmallTokenizerTest {
  @TempDir Path dir;

  static List<String> captions(int n, long seed) {
    String[] colors = {"red", "green", "blue", "yellow", "purple", "orange", "white", "black"};
    String[] shapes = {"circle", "square", "triangle", "star", "cross"};
    String[] places = {"top left", "top right", "bottom left", "bottom right", "center"};
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("a " + colors[r.nextInt(8)] + " " + shapes[r.nextInt(5)] + " at the " + places[r.nextInt(5)]
          + " on a " + colors[r.nextInt(8)] + " background");
    }
    return out;
  }

  @Test
  void trainedTokenizerLoadsBackAndRoundTrips() throws Exception {
    List<String> texts = captions(10_000, 1);
    BpeTrainer.write(texts, 340, dir);
    TextTokenizer t = RealTokenizers.loader().load(dir);
    assertEquals(340, t.size());
    assertEquals(335, t.bosId().getAsInt());
    assertEquals(336, t.eosId().getAsInt());
    int[] ids = t.encode(texts.get(0), true);
    assertEquals(335, ids[0]);
    assertTrue(ids.length < texts.get(0).length() / 3, "frequent words merge into few tokens: " + ids.length);
    assertTrue(t.tokenId("\u0120background").isPresent(), "\" background\" is one token");
    assertEquals(texts.get(0), t.decode(ids, true));
    for (String s : List.of("naïve café 東京 🦊\t\n", "x<boi>y<eoi><unconditional>")) {
      assertEquals(s, t.decode(t.encode(s, false), false));
    }
    assertArrayEquals(new int[] {337, 338, 339}, t.encode("<boi><eoi><unconditional>", false));
    assertEquals(ChatFormat.PLAIN, RealTokenizers.loader().chatFormat(dir));
    assertTrue(Files.readString(dir.resolve("tokenizer_config.json")).contains("\"<unconditional>\""));
  }

  @Test
  void trainerStopsWhenNoPairIsLeft() {
    assertEquals(256 + 3 + 5, RealTokenizers.loader().load(writeUnchecked(BpeTrainer.train(List.of("abc abc"), 1000))).size());
  }

  private Path writeUnchecked(ObjectNode json) {
    try {
      return write(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void trainerIsDeterministic() {
    assertEquals(BpeTrainer.train(captions(500, 2), 300), BpeTrainer.train(captions(500, 2), 300));
  }

  private Path write(ObjectNode json) throws Exception {
    Path file = dir.resolve("tokenizer.json");
    new ObjectMapper().writeValue(file.toFile(), json);
    return file;
  }

  @Test
  void unsupportedModelNamesWhatWasFoundAndWhatIsSupported() throws Exception {
    ObjectNode json = BpeTrainer.train(List.of("ab"), 262);
    ((ObjectNode) json.get("model")).put("type", "WordPiece");
    UserError e = assertThrows(UserError.class, () -> RealTokenizers.loader().load(write(json)));
    assertTrue(e.getMessage().contains("model.type=WordPiece") && e.getMessage().contains("byte-level-bpe")
        && e.getMessage().contains("sentencepiece-bpe"), e.getMessage());
  }

  @Test
  void unsupportedPreTokenizerNamesWhatWasFoundAndWhatIsSupported() throws Exception {
    ObjectNode json = BpeTrainer.train(List.of("ab"), 262);
    ObjectNode whitespace = new ObjectMapper().createObjectNode().put("type", "Whitespace");
    ((com.fasterxml.jackson.databind.node.ArrayNode) json.get("pre_tokenizer").get("pretokenizers")).insert(0, whitespace);
    UserError e = assertThrows(UserError.class, () -> RealTokenizers.loader().load(write(json)));
    assertTrue(e.getMessage().contains("\"Whitespace\" is not supported") && e.getMessage().contains("Split, ByteLevel"), e.getMessage());
  }

  @Test
  void missingTokenizerIsAUserErrorNamingTheFolder() {
    UserError e = assertThrows(UserError.class, () -> RealTokenizers.loader().load(dir));
    assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("tokenizer.json"), e.getMessage());
  }

  @Test
  void guiceRegistersBothKinds() throws Exception {
    BpeTrainer.write(List.of("hello world"), 270, dir);
    TextTokenizers loader = Guice.createInjector(new io.liquidj.framework.cli.FrameworkModule(
        io.liquidj.framework.config.RecipeConfig.defaults(getClass().getClassLoader())), new TokenizersModule())
        .getInstance(TextTokenizers.class);
    assertEquals("hello world", loader.load(dir.resolve("tokenizer.json")).decode(loader.load(dir).encode("hello world", true), true));
  }
}
