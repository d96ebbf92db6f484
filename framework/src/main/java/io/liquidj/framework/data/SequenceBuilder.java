package io.liquidj.framework.data;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.tokenizer.TextTokenizer;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Lays out documents as Liquid trains them (templates from {@link DataSettings}; defaults as the
 * released code):
 * <pre>
 *   text→image   [bos] caption instruction [boi] codes [eoi] [eos]       loss on codes, [eoi], [eos]
 *                (instruction: one of t2i-suffix drawn uniformly, e.g. " Generate an image based on this description.")
 *   (CFG)        [bos] &lt;unconditional&gt; [boi] codes [eoi] [eos]       (caption and instruction replaced)
 *   image→text   [bos] [boi] codes [eoi] "The caption of this image is:" caption [eos]
 *                loss on caption and [eos]
 *   text         [bos] text [eos]                                       loss on text and [eos]
 * </pre>
 * {@link #layout} draws the layout of a pair as the released {@code DataCollatorForSupervisedDataset}
 * (liquid/train/train.py) does: text→image with probability 1 − reverse-ratio (the release's
 * {@code T2I_ratio}), then the whole text replaced by {@code <unconditional>} with probability
 * cfg-dropout (the release's {@code np.random.rand() > 0.9}), and the instruction uniformly from the
 * list ({@code random_choice_t2iprompt_from_list}).
 * A pair prepared keeping its aspect ratio ({@link Example#hasImageSize}, the release's {@code multi}
 * data) says its size in its text→image layouts, as the release does ({@link ImageSizePrompt}):
 * <pre>
 *   text→image   [bos] caption "Image Size: Width is W Height is H." instruction [boi] codes [eoi] [eos]
 *   (CFG)        [bos] "Image Size: Width is W Height is H. " &lt;unconditional&gt; [boi] codes [eoi] [eos]
 * </pre>
 * With {@code loss-on = all} every target after the first token is trained. The template texts are
 * tokenized once here (shards store caption ids only). An image sequence longer than
 * {@code max-length} has its caption truncated to fit (then its tail, only if the image alone does
 * not fit); text documents are left whole, packing splits them.
 */
public final class SequenceBuilder {
  private final MultimodalVocabulary vocabulary;
  private final TextTokenizer tokenizer;
  private final int bos;
  private final int eos;
  /** The text→image instructions, tokenized. */
  private final int[][] t2iSuffixes;
  private final int[] i2tPrefix;
  private final boolean lossOnAll;
  private final int maxLength;
  private final double reverseRatio;
  private final double cfgDropout;

  public SequenceBuilder(MultimodalVocabulary vocabulary, TextTokenizer tokenizer, DataSettings settings) {
    this.vocabulary = vocabulary;
    this.tokenizer = tokenizer;
    this.bos = tokenizer.bosId().orElse(-1);
    this.eos = tokenizer.eosId().orElseThrow(
        () -> new UserError("the text tokenizer has no end-of-sequence token; training sequences need one"));
    this.t2iSuffixes = settings.t2iSuffixes().stream().map(t -> tokenizer.encode(t, false)).toArray(int[][]::new);
    this.i2tPrefix = tokenizer.encode(settings.i2tPrefix(), false);
    this.lossOnAll = settings.lossOn() == DataSettings.LossOn.ALL;
    this.maxLength = settings.maxLength();
    this.reverseRatio = settings.reverseRatio();
    this.cfgDropout = settings.cfgDropout();
  }

  /**
   * Example {@code e} laid out with draws from {@code random}: a text as text; a pair reversed with
   * probability reverse-ratio, else text→image, its text dropped with probability cfg-dropout, its
   * instruction drawn uniformly (the draws in this order, each from {@code random}).
   */
  public Document layout(Example e, SplittableRandom random) {
    if (e.kind() == Example.Kind.TEXT) {
      return text(e);
    }
    if (random.nextDouble() < reverseRatio) {
      return imageToText(e);
    }
    boolean unconditional = random.nextDouble() < cfgDropout;
    return textToImage(e, random.nextInt(t2iSuffixes.length), unconditional);
  }

  /**
   * {@code [bos] caption instruction [boi] codes [eoi] [eos]} with instruction {@code suffix} of
   * t2i-suffix, or {@code <unconditional>} for caption and instruction; the image size before the
   * instruction (and before {@code <unconditional>}) when the example records one.
   */
  public Document textToImage(Example e, int suffix, boolean unconditional) {
    requirePair(e);
    int[] t2iSuffix = t2iSuffixes[suffix];
    int image = e.codes().length + 3;
    int[] size = !e.hasImageSize() ? new int[0] : tokenizer.encode(unconditional
        ? ImageSizePrompt.beforeUnconditional(e.width(), e.height()) : ImageSizePrompt.text(e.width(), e.height()), false);
    Builder b = new Builder(prefixLength() + size.length
        + (unconditional ? 1 : e.textIds().length + t2iSuffix.length) + image, false);
    b.bos();
    if (unconditional) {
      b.add(size, size.length, false);
      b.add(vocabulary.unconditionalTokenId(), false);
    } else {
      int captionRoom = Math.max(0, maxLength - prefixLength() - size.length - t2iSuffix.length - image);
      b.add(e.textIds(), Math.min(captionRoom, e.textIds().length), false);
      b.add(size, size.length, false);
      b.add(t2iSuffix, t2iSuffix.length, false);
    }
    b.add(vocabulary.boiTokenId(), false);
    for (int c : e.codes()) {
      b.add(vocabulary.imageToken(c), true);
    }
    b.add(vocabulary.eoiTokenId(), true);
    b.add(eos, true);
    return b.build(false, unconditional ? Document.Layout.UNCONDITIONAL : Document.Layout.TEXT_TO_IMAGE);
  }

  /** {@code [bos] [boi] codes [eoi] prefix caption [eos]}. */
  public Document imageToText(Example e) {
    requirePair(e);
    int fixed = prefixLength() + e.codes().length + 2 + i2tPrefix.length + 1;
    int caption = Math.min(e.textIds().length, Math.max(0, maxLength - fixed));
    Builder b = new Builder(fixed + caption, false);
    b.bos();
    b.add(vocabulary.boiTokenId(), false);
    for (int c : e.codes()) {
      b.add(vocabulary.imageToken(c), false);
    }
    b.add(vocabulary.eoiTokenId(), false);
    b.add(i2tPrefix, i2tPrefix.length, false);
    b.add(e.textIds(), caption, true);
    b.add(eos, true);
    return b.build(false, Document.Layout.IMAGE_TO_TEXT);
  }

  /** {@code [bos] text [eos]}. */
  public Document text(Example e) {
    if (e.kind() != Example.Kind.TEXT) {
      throw new IllegalArgumentException("expected a text example, got " + e);
    }
    Builder b = new Builder(prefixLength() + e.textIds().length + 1, true);
    b.bos();
    b.add(e.textIds(), e.textIds().length, true);
    b.add(eos, true);
    return b.build(true, Document.Layout.TEXT);
  }

  private int prefixLength() {
    return bos >= 0 ? 1 : 0;
  }

  private static void requirePair(Example e) {
    if (e.kind() != Example.Kind.PAIR) {
      throw new IllegalArgumentException("expected an image–caption pair, got " + e);
    }
  }

  /** Appends tokens with their trained flags; truncates at max-length. */
  private final class Builder {
    private final int[] tokens;
    private final boolean[] trained;
    private int n;

    /** {@code length} tokens, at most max-length unless {@code whole} (text documents: packing splits them). */
    Builder(int length, boolean whole) {
      tokens = new int[whole ? length : Math.min(length, maxLength)];
      trained = new boolean[tokens.length];
    }

    void bos() {
      if (bos >= 0) {
        add(bos, false);
      }
    }

    void add(int id, boolean train) {
      if (n < tokens.length) {
        tokens[n] = id;
        trained[n] = (train || lossOnAll) && n > 0;
        n++;
      }
    }

    void add(int[] ids, int count, boolean train) {
      for (int i = 0; i < count; i++) {
        add(ids[i], train);
      }
    }

    Document build(boolean splittable, Document.Layout layout) {
      return n == tokens.length
          ? new Document(tokens, trained, splittable, layout)
          : new Document(Arrays.copyOf(tokens, n), Arrays.copyOf(trained, n), splittable, layout);
    }
  }
}
