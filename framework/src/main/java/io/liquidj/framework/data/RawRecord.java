package io.liquidj.framework.data;

import java.io.IOException;

/**
 * One input record before tokenization: an image–caption pair, a text document, or a record already
 * known to be bad (with the reason it is skipped).
 *
 * @param where file:line or tar:key, for the report's samples
 * @param image the image bytes, read lazily (on a decoding thread); null for text or bad records
 * @param text the caption (pairs) or the document (text)
 * @param skip why the record is skipped, or null
 * @param detail more about the skip (an exception message), or null
 */
public record RawRecord(String where, ImageBytes image, String text, SkipReason skip, String detail) {
  /** Reads an image's encoded bytes (a file read, or bytes already in memory). */
  @FunctionalInterface
  public interface ImageBytes {
    byte[] read() throws IOException;
  }

  public static RawRecord pair(String where, ImageBytes image, String caption) {
    return new RawRecord(where, image, caption, null, null);
  }

  public static RawRecord text(String where, String text) {
    return new RawRecord(where, null, text, null, null);
  }

  public static RawRecord bad(String where, SkipReason reason, String detail) {
    return new RawRecord(where, null, null, reason, detail);
  }
}
