package io.liquidj.framework.data;

import static io.liquidj.framework.data.TestData.VOCAB;
import static io.liquidj.framework.data.TestData.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
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
    Document d = builder.textToImage(CAT, false);
    new Expected().add(false, BOS).add(false, ids("a cat"))
        .add(false, ids(" Generate an image based on this description."))
        .add(false, VOCAB.boiTokenId()).add(true, CODES).add(true, VOCAB.eoiTokenId(), EOS).check(d);
    assertFalse(d.splittable());
  }

  @Test
  void cfgDropoutReplacesCaptionAndSuffixWithUnconditional() {
    new Expected().add(false, BOS, VOCAB.unconditionalTokenId(), VOCAB.boiTokenId())
        .add(true, CODES).add(true, VOCAB.eoiTokenId(), EOS).check(builder.textToImage(CAT, true));
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
  void lossOnAllTrainsEveryTargetAfterTheFirstToken() {
    SequenceBuilder all = new SequenceBuilder(VOCAB, TestData.TOKENIZER, TestData.settings("loss-on = all"));
    Document d = all.textToImage(CAT, false);
    assertFalse(d.trained()[0]);
    for (int i = 1; i < d.length(); i++) {
      assertEquals(true, d.trained()[i], "target " + i);
    }
  }

  @Test
  void templatesAreConfigurable() {
    SequenceBuilder custom = new SequenceBuilder(VOCAB, TestData.TOKENIZER,
        TestData.settings("t2i-suffix = \" draw:\", i2t-prefix = \"caption:\""));
    new Expected().add(false, BOS).add(false, ids("a cat")).add(false, ids(" draw:")).add(false, VOCAB.boiTokenId())
        .add(true, CODES).add(true, VOCAB.eoiTokenId(), EOS).check(custom.textToImage(CAT, false));
  }

  @Test
  void imageSequenceLongerThanMaxLengthHasItsCaptionTruncated() {
    // bos + suffix(" go", 3) + boi + 4 codes + eoi + eos = 11 fixed; max-length 13 leaves 2 caption ids.
    SequenceBuilder tight = new SequenceBuilder(VOCAB, TestData.TOKENIZER,
        TestData.settings("max-length = 13, t2i-suffix = \" go\""));
    new Expected().add(false, BOS).add(false, ids("a ")).add(false, ids(" go")).add(false, VOCAB.boiTokenId())
        .add(true, CODES).add(true, VOCAB.eoiTokenId(), EOS).check(tight.textToImage(CAT, false));
  }

  @Test
  void textLongerThanMaxLengthIsKeptWholeForPackingToSplit() {
    SequenceBuilder tight = new SequenceBuilder(VOCAB, TestData.TOKENIZER, TestData.settings("max-length = 4"));
    Document d = tight.text(Example.text(ids("abcdefgh")));
    assertEquals(10, d.length());
    assertEquals(true, d.splittable());
  }
}
