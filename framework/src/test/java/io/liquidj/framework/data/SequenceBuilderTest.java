package io.liquidj.framework.data;

import static io.liquidj.framework.data.TestData.VOCAB;
import static io.liquidj.framework.data.TestData.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SequenceBuilderTest {
  private static final int BOS = CharTokenizer.BOS;
  private static final int EOS = CharTokenizer.EOS;
  private static final Example CAT = Example.pair(ids("a cat"), new int[] {1, 2, 3, 4}, 2, 2);
  private static final int[] CODES = {129, 130, 131, 132};

  private final SequenceBuilder builder =
      new SequenceBuilder(VOCAB, TestData.TOKENIZER, TestData.settings(""));

  /** Tokens and trained flags accumulated piecewise. */
  private static final class Expected {
    final List<Integer> tokens = new ArrayList<>();
    final List<Boolean> trained = new ArrayList<>();

    Expected add(boolean train, int... ids) {
      for (int id : ids) {
        tokens.add(id);
        trained.add(train);
      }
      return this;
    }

    void check(Document d) {
      assertArrayEquals(tokens.stream().mapToInt(Integer::intValue).toArray(), d.tokens());
      boolean[] t = new boolean[trained.size()];
      for (int i = 0; i < t.length; i++) {
        t[i] = trained.get(i);
      }
      assertArrayEquals(t, d.trained());
    }
  }

  @Test
  void textToImageTrainsOnCodesEoiAndEosOnly() {
    Document d = builder.textToImage(CAT, 0, false);
    new Expected().add(false, BOS).add(false, ids("a cat"))
        .add(false, ids(" Generate an image based on this description."))
        .add(false, VOCAB.boiTokenId()).add(true, CODES).add(true, VOCAB.eoiTokenId(), EOS).check(d);
    assertFalse(d.splittable());
  }

  @Test
  void cfgDropoutReplacesCaptionAndSuffixWithUnconditional() {
    new Expected().add(false, BOS, VOCAB.unconditionalTokenId(), VOCAB.boiTokenId())
        .add(true, CODES).add(true, VOCAB.eoiTokenId(), EOS).check(builder.textToImage(CAT, 0, true));
  }

  @Test
  void imageToTextTrainsOnCaptionAndEosOnly() {
    new Expected().add(false, BOS, VOCAB.boiTokenId()).add(false, CODES).add(false, VOCAB.eoiTokenId())
        .add(false, ids("The caption of this image is:")).add(true, ids("a cat")).add(true, EOS)
        .check(builder.imageToText(CAT));
  }

  @Test
  void textDocumentTrainsOnTextAndEos() {
    Document d = builder.text(Example.text(ids("hello")));
    new Expected().add(false, BOS).add(true, ids("hello")).add(true, EOS).check(d);
  }

  @Test
  void theTenReleasedInstructionsAreTheDefaultEachDrawnUniformly() {
    List<String> released = List.of(
        " Generate an image based on this description.",
        " Create an image that captures the provided description.",
        " Based on the previous text, produce a corresponding image.",
        " Please illustrate the above text with a picture.",
        " Translate the given description into a image.",
        " Construct a visual representation of the above description.",
        " Create a image that matches the text.",
        " Formulate a visual expression that reflects the narrative just provided.",
        " Give a visual depiction based on the above sentences.",
        " Create an image using the information mentioned above as guidance.");
    assertEquals(released, TestData.settings("").t2iSuffixes());
    SequenceBuilder conditional = new SequenceBuilder(VOCAB, TestData.TOKENIZER,
        TestData.settings("reverse-ratio = 0, cfg-dropout = 0"));
    Map<String, Integer> counts = new HashMap<>();
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 10_000; i++) {
      int[] tokens = conditional.layout(CAT, random).tokens();
      // [bos] "a cat" instruction [boi] codes [eoi] [eos]
      counts.merge(TestData.TOKENIZER.decode(Arrays.copyOfRange(tokens, 1 + 5, tokens.length - 7), false), 1, Integer::sum);
    }
    assertEquals(Set.copyOf(released), counts.keySet());
    counts.values().forEach(n -> assertEquals(1000, n, 120, counts.toString()));
  }

  @Test
  void layoutDrawsTheReleasedShares() {
    // The release's T2I_ratio 0.1 (reverse-ratio 0.9) and CFG dropout 0.1.
    SequenceBuilder release = new SequenceBuilder(VOCAB, TestData.TOKENIZER,
        TestData.settings("reverse-ratio = 0.9, cfg-dropout = 0.1"));
    Map<Document.Layout, Integer> counts = new EnumMap<>(Document.Layout.class);
    SplittableRandom random = new SplittableRandom(2);
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      counts.merge(release.layout(CAT, random).layout(), 1, Integer::sum);
    }
    assertEquals(0.9, counts.get(Document.Layout.IMAGE_TO_TEXT) / (double) n, 0.01);
    assertEquals(0.09, counts.get(Document.Layout.TEXT_TO_IMAGE) / (double) n, 0.01);
    assertEquals(0.01, counts.get(Document.Layout.UNCONDITIONAL) / (double) n, 0.004);
    assertEquals(Document.Layout.TEXT, release.layout(Example.text(ids("hi")), random).layout());
  }

  @Test
  void anInstructionThatIsNotAListIsRejectedNamingTheKey() {
    var e = org.junit.jupiter.api.Assertions.assertThrows(com.typesafe.config.ConfigException.class,
        () -> TestData.settings("t2i-suffix = []"));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("t2i-suffix"), e.getMessage());
  }

  @Test
  void lossOnAllTrainsEveryTargetAfterTheFirstToken() {
    SequenceBuilder all = new SequenceBuilder(VOCAB, TestData.TOKENIZER, TestData.settings("loss-on = all"));
    Document d = all.textToImage(CAT, 0, false);
    assertFalse(d.trained()[0]);
    for (int i = 1; i < d.length(); i++) {
      assertEquals(true, d.trained()[i], "target " + i);
    }
  }

  @Test
  void templatesAreConfigurable() {
    SequenceBuilder custom = new SequenceBuilder(VOCAB, TestData.TOKENIZER,
        TestData.settings("t2i-suffix = [\" draw:\"], i2t-prefix = \"caption:\""));
    new Expected().add(false, BOS).add(false, ids("a cat")).add(false, ids(" draw:")).add(false, VOCAB.boiTokenId())
        .add(true, CODES).add(true, VOCAB.eoiTokenId(), EOS).check(custom.textToImage(CAT, 0, false));
  }

  @Test
  void imageSequenceLongerThanMaxLengthHasItsCaptionTruncated() {
    // bos + suffix(" go", 3) + boi + 4 codes + eoi + eos = 11 fixed; max-length 13 leaves 2 caption ids.
    SequenceBuilder tight = new SequenceBuilder(VOCAB, TestData.TOKENIZER,
        TestData.settings("max-length = 13, t2i-suffix = [\" go\"]"));
    new Expected().add(false, BOS).add(false, ids("a ")).add(false, ids(" go")).add(false, VOCAB.boiTokenId())
        .add(true, CODES).add(true, VOCAB.eoiTokenId(), EOS).check(tight.textToImage(CAT, 0, false));
  }

  @Test
  void textLongerThanMaxLengthIsKeptWholeForPackingToSplit() {
    SequenceBuilder tight = new SequenceBuilder(VOCAB, TestData.TOKENIZER, TestData.settings("max-length = 4"));
    Document d = tight.text(Example.text(ids("abcdefgh")));
    assertEquals(10, d.length());
    assertEquals(true, d.splittable());
  }
}
