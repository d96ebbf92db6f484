package io.liquidj.framework.tokenizer;

import java.util.OptionalInt;

/**
 * A text tokenizer that encodes and decodes exactly as the Hugging Face {@code tokenizers} library
 * does for the same {@code tokenizer.json}.
 */
public interface TextTokenizer {
  /**
   * Token ids of {@code text}. With {@code addSpecialTokens}, the tokens the tokenizer's
   * post-processor adds (BOS) are added; special-token text inside {@code text} is always recognised.
   */
  int[] encode(String text, boolean addSpecialTokens);

  /** The text of {@code ids}; with {@code skipSpecialTokens}, special tokens are left out. */
  String decode(int[] ids, boolean skipSpecialTokens);

  /** A decoder fed one id at a time that never emits half a UTF-8 character. */
  StreamingDecoder streamingDecoder(boolean skipSpecialTokens);

  /** The number of ids this tokenizer can produce (model vocabulary plus added tokens). */
  int size();

  /** The id of a token given by its exact string ({@code "<boi>"}, {@code "<eos>"}), if present. */
  OptionalInt tokenId(String token);

  /** The beginning-of-sequence id, if the tokenizer has one. */
  OptionalInt bosId();

  /** The end-of-sequence id, if the tokenizer has one. */
  OptionalInt eosId();

  /** Decodes ids one at a time. */
  interface StreamingDecoder {
    /** The text completed by {@code id}, possibly empty while a multi-byte character is incomplete. */
    String next(int id);

    /** Whatever is still buffered (replacement characters for an incomplete sequence). */
    String flush();
  }
}
