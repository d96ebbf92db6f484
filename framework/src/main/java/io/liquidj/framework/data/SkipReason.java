package io.liquidj.framework.data;

/** Why {@code prepare} left a record out; each is counted in the shard headers and the report. */
public enum SkipReason {
  /** A line of a JSONL file that is not a JSON object. */
  BAD_JSON("bad-json"),
  /** A JSONL line or a tar caption whose bytes are not valid UTF-8 ({@link Utf8Text}). */
  BAD_UTF8("bad-utf8"),
  /** The manifest names an image file that does not exist or cannot be read. */
  MISSING_FILE("missing-file"),
  /** The image bytes cannot be decoded (corrupt, truncated or an unsupported format such as WebP). */
  UNREADABLE("unreadable"),
  /** The shorter side is below {@code data.prepare.min-image-size}. */
  TOO_SMALL("too-small"),
  /** The header declares more pixels than {@code data.prepare.max-image-pixels} (never decoded). */
  TOO_LARGE("too-large"),
  /** The long/short side ratio exceeds {@code data.prepare.max-aspect-ratio}. */
  ASPECT_RATIO("aspect-ratio"),
  /** A pair record without a caption (or an empty one). */
  MISSING_CAPTION("missing-caption"),
  /** A tar sample with a caption but no image member. */
  MISSING_IMAGE("missing-image"),
  /** A tar member whose header is corrupt or whose data is cut short. */
  BAD_TAR_MEMBER("bad-tar-member"),
  /** A text record without a non-empty {@code "text"} field. */
  EMPTY_TEXT("empty-text"),
  /** The image tokenizer failed on the image. */
  IMAGE_TOKENIZER_FAILED("image-tokenizer-failed");

  private final String key;

  SkipReason(String key) {
    this.key = key;
  }

  /** The name used in reports ({@code "too-small"}). */
  public String key() {
    return key;
  }
}
