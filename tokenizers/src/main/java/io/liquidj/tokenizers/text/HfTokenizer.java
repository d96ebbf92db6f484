package io.liquidj.tokenizers.text;

import io.liquidj.framework.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;

/**
 * A Hugging Face {@code tokenizer.json} pipeline, as tokenizers runs it: added tokens are split out
 * of the raw text first; each remaining piece is normalized, pre-tokenized into words, and each word
 * encoded by BPE (byte-level mapped first for Llama-3 and Qwen2.5); the post-processor's tokens
 * (BOS) go around the result. Decoding maps ids back to tokens and runs the file's decoder.
 *
 * <p>Unicode rules: a lone surrogate in the input (Java strings can hold one, Rust strings cannot)
 * is encoded as U+FFFD, so {@code decode(encode(s))} is {@code s} with each lone surrogate replaced
 * by U+FFFD, after the file's normalizer (Qwen2.5: NFC; Gemma: U+2581 reads as a space).
 */
public final class HfTokenizer implements TextTokenizer {
  private final AddedTokens added;
  private final UnaryOperator<String> normalizer;
  private final List<PreTokenizer> preTokenizers;
  private final Bpe model;
  private final int[] prefix;
  private final int[] suffix;
  private final TokensToText decoder;
  private final OptionalInt bosId;
  private final OptionalInt eosId;
  private final int size;

  HfTokenizer(AddedTokens added, UnaryOperator<String> normalizer, List<PreTokenizer> preTokenizers,
      Bpe model, int[] prefix, int[] suffix, TokensToText decoder, OptionalInt bosId, OptionalInt eosId) {
    this.added = added;
    this.normalizer = normalizer;
    this.preTokenizers = List.copyOf(preTokenizers);
    this.model = model;
    this.prefix = prefix.clone();
    this.suffix = suffix.clone();
    this.decoder = decoder;
    this.bosId = bosId;
    this.eosId = eosId;
    this.size = Math.max(model.size(), added.size());
  }

  /**
   * This tokenizer with more special tokens, each a never-split string with a given id (e.g. {@code
   * <boi>} → the id of {@code <unused0>}, or a new id past the vocabulary). An id already in use
   * decodes to the new string from then on; the old string still encodes to it.
   */
  public HfTokenizer withSpecialTokens(Map<String, Integer> tokens) {
    List<AddedTokens.Token> more = new ArrayList<>();
    tokens.forEach((content, id) -> {
      if (content.isEmpty() || id < 0) {
        throw new IllegalArgumentException("special token \"" + content + "\" → " + id + ": need non-empty text and id >= 0");
      }
      more.add(new AddedTokens.Token(content, id, true));
    });
    return new HfTokenizer(added.with(more), normalizer, preTokenizers, model, prefix, suffix, decoder,
        bosId, eosId);
  }

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    String input = Utf8.withoutLoneSurrogates(text);
    IntList out = new IntList(input.length() / 3 + prefix.length + suffix.length + 4);
    if (addSpecialTokens) {
      out.addAll(prefix);
    }
    List<AddedTokens.Segment> segments = added.isEmpty() ? List.of(new AddedTokens.Segment(input, -1)) : added.split(input);
    for (int s = 0; s < segments.size(); s++) {
      AddedTokens.Segment segment = segments.get(s);
      if (segment.id() >= 0) {
        out.add(segment.id());
        continue;
      }
      List<String> words = List.of(normalizer.apply(segment.text()));
      for (PreTokenizer p : preTokenizers) {
        words = p.split(words, s == 0);
      }
      for (String word : words) {
        model.encode(word, out);
      }
    }
    if (addSpecialTokens) {
      out.addAll(suffix);
    }
    return out.toArray();
  }

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    List<String> tokens = new ArrayList<>(ids.length);
    for (int id : ids) {
      String token = token(id, skipSpecialTokens);
      if (token != null) {
        tokens.add(token);
      }
    }
    return decoder.decode(tokens);
  }

  /**
   * Token bytes go through one incremental UTF-8 decoder: a character comes out when its last byte
   * arrives, and the concatenated pieces plus {@link StreamingDecoder#flush} equal {@link #decode}
   * for any ids that decode without U+FFFD. (For an invalid run of Gemma byte tokens, decode gives
   * one U+FFFD per byte of the whole run, as tokenizers' ByteFallback does, while the stream may
   * already have emitted the run's valid characters.)
   */
  @Override
  public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
    return new StreamingDecoder() {
      private final Utf8.Decoder utf8 = new Utf8.Decoder();
      private boolean first = true;

      @Override
      public String next(int id) {
        String token = token(id, skipSpecialTokens);
        if (token == null) {
          return "";
        }
        StringBuilder out = new StringBuilder();
        for (byte b : decoder.bytes(token, first)) {
          utf8.push(b, out);
        }
        first = false;
        return out.toString();
      }

      @Override
      public String flush() {
        StringBuilder out = new StringBuilder();
        utf8.finish(out);
        return out.toString();
      }
    };
  }

  /** The token of {@code id}, or null when it is a special token to skip. */
  private String token(int id, boolean skipSpecialTokens) {
    AddedTokens.Token a = added.byId(id);
    if (a != null) {
      return skipSpecialTokens && a.special() ? null : a.content();
    }
    String t = model.token(id);
    if (t == null) {
      throw new IllegalArgumentException("token id " + id + " is outside this tokenizer (" + size + " ids)");
    }
    return t;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public OptionalInt tokenId(String token) {
    AddedTokens.Token a = added.byContent(token);
    if (a != null) {
      return OptionalInt.of(a.id());
    }
    Integer id = model.id(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** The text of {@code id}'s token as stored (byte-level or {@code ▁} form), if any. */
  public Optional<String> tokenText(int id) {
    AddedTokens.Token a = added.byId(id);
    return Optional.ofNullable(a != null ? a.content() : model.token(id));
  }

  @Override
  public OptionalInt bosId() {
    return bosId;
  }

  @Override
  public OptionalInt eosId() {
    return eosId;
  }
}
