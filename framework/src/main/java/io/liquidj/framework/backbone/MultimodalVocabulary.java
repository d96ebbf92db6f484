package io.liquidj.framework.backbone;

import io.liquidj.framework.UserError;

/**
 * The one owner of id arithmetic between text tokens and image codes.
 *
 * <p>Image code c is token {@code imageCodeOffset + c}, where the offset is the checkpoint's
 * embedding row count before extension ({@code vocab_size} in config.json: it can exceed the
 * tokenizer's size, 151,936 rows vs 151,665 tokens for Qwen2.5). The three specials either follow
 * the codes or reuse existing unused tokens (Gemma's {@code <unused0..2>}, as the Liquid release does).
 */
public record MultimodalVocabulary(
    int imageCodeOffset, int numImageCodes, int boiTokenId, int eoiTokenId, int unconditionalTokenId, int totalRows) {

  public MultimodalVocabulary {
    if (imageCodeOffset <= 0 || numImageCodes <= 0) {
      throw new IllegalArgumentException("imageCodeOffset and numImageCodes must be positive");
    }
    if (totalRows < imageCodeOffset + numImageCodes) {
      throw new IllegalArgumentException("totalRows " + totalRows + " < offset + codes");
    }
  }

  /** The vocabulary recorded in an extended config. */
  public static MultimodalVocabulary of(ModelConfig config) {
    ModelConfig.LiquidExtension e = config.liquid();
    if (e == null) {
      throw new UserError(config.source() + " is not extended with image codes (no image_code_offset); "
          + "train or convert it with the Liquid vocabulary first");
    }
    return new MultimodalVocabulary(
        e.imageCodeOffset(), e.numImageCodes(), e.boiTokenId(), e.eoiTokenId(), e.unconditionalTokenId(),
        config.vocabSize());
  }

  /**
   * Whether embedding row {@code row} came with the Liquid extension: an image code or one of the three
   * specials (which may reuse unused text rows), as opposed to a pretrained text token.
   */
  public boolean isAddedRow(int row) {
    return row >= imageCodeOffset || row == boiTokenId || row == eoiTokenId || row == unconditionalTokenId;
  }

  /** The token id of image code {@code code}. */
  public int imageToken(int code) {
    if (code < 0 || code >= numImageCodes) {
      throw new IllegalArgumentException("image code " + code + " outside [0, " + numImageCodes + ")");
    }
    return imageCodeOffset + code;
  }

  /** Whether {@code tokenId} is an image code. */
  public boolean isImageToken(int tokenId) {
    return tokenId >= imageCodeOffset && tokenId < imageCodeOffset + numImageCodes;
  }

  /** The image code of token {@code tokenId}. */
  public int imageCode(int tokenId) {
    if (!isImageToken(tokenId)) {
      throw new IllegalArgumentException("token " + tokenId + " is not an image code");
    }
    return tokenId - imageCodeOffset;
  }
}
