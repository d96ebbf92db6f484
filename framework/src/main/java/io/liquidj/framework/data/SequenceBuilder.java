package io.liquidj.framework.data;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.tokenizer.TextTokenizer;

/**
 * Lays out documents as Liquid trains them (templates from {@link DataSettings}; defaults as the
 * released code):
 * <pre>
 *   text→image   [bos] caption " Generate an image based on this description." [boi] codes [eoi] [eos]
 *                loss on codes, [eoi], [eos]
 *   (CFG)        [bos] &lt;unconditional&gt; [boi] codes [eoi] [eos]       (caption and suffix replaced)
 *   image→text   [bos] [boi] codes [eoi] "The caption of this image is:" caption [eos]
 *                loss on caption and [eos]
 *   text         [bos] text [eos]                                       loss on text and [eos]
 * </pre>
 * With {@code loss-on = all} every target after the first token is trained. The template texts are
 * tokenized once here (shards store caption ids only). An image sequence longer than
 * {@code max-length} has its caption truncated to fit (then its tail, only if the image alone does
 * not fit); text documents are left whole, packing splits them.
 */
public final class SequenceBuilder {
  private final MultimodalVocabulary vocabulary;
  private final int bos;
  private final int eos;
  private final int[] t2iSuffix;
  private final int[] i2tPrefix;
  private final boolean lossOnAll;
  private final int maxLength;

  public SequenceBuilder(MultimodalVocabulary vocabulary, TextTokenizer tokenizer, DataSettings settings) {
    this.vocabulary = vocabulary;
    this.bos = tokenizer.bosId().orElse(-1);
    this.eos = tokenizer.eosId().orElseThrow(
        () -> new UserError("the text tokenizer has no end-of-sequence token; training sequences need one"));
    this.t2iSuffix = tokenizer.encode(settings.t2iSuffix(), false);
    this.i2tPrefix = tokenizer.encode(settings.i2tPrefix(), false);
    this.lossOnAll = settings.lossOn() == DataSettings.LossOn.ALL;
    this.maxLength = settings.maxLength();
  }

  /** {@code [bos] caption suffix [boi] codes [eoi] [eos]}, or with {@code <unconditional>} for caption and suffix. */
  public Document textToImage(Example e, boolean unconditional) {
    requirePair(e);
    int image = e.codes().length + 3;
    Builder b = new Builder(prefixLength() + (unconditional ? 1 : e.textIds().length + t2iSuffix.length) + image, false);
    b.bos();
    if (unconditional) {
      b.add(vocabulary.unconditionalTokenId(), false);
    } else {
      int captionRoom = Math.max(0, maxLength - prefixLength() - t2iSuffix.length - image);
      b.add(e.textIds(), Math.min(captionRoom, e.textIds().length), false);
      b.add(t2iSuffix, t2iSuffix.length, false);
    }
    b.add(vocabulary.boiTokenId(), false);
    for (int c : e.codes()) {
      b.add(vocabulary.imageToken(c), true);
    }
    b.add(vocabulary.eoiTokenId(), true);
    b.add(eos, true);
    return b.build(false);
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
    return b.build(false);
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
    return b.build(true);
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

    Document build(boolean splittable) {
      return n == tokens.length
          ? new Document(tokens, trained, splittable)
          : new Document(java.util.Arrays.copyOf(tokens, n), java.util.Arrays.copyOf(trained, n), splittable);
    }
  }
}
