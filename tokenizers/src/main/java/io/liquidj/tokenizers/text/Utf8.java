package io.liquidj.tokenizers.text;

import java.io.ByteArrayOutputStream;

/**
 * UTF-8 as the tokenizers need it: encoding where a lone surrogate becomes U+FFFD (the rule for
 * Java strings that are not valid Unicode), and an incremental lossy decoder that replaces each
 * maximal invalid subpart with one U+FFFD, as Rust's {@code String::from_utf8_lossy} does.
 */
final class Utf8 {
  static final char REPLACEMENT = '\uFFFD';

  private Utf8() {}

  /** {@code text} with every lone surrogate replaced by U+FFFD (the same string when there is none). */
  static String withoutLoneSurrogates(String text) {
    StringBuilder b = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!Character.isSurrogate(c)) {
        continue;
      }
      boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
      if (paired) {
        i++;
        continue;
      }
      if (b == null) {
        b = new StringBuilder(text);
      }
      b.setCharAt(i, REPLACEMENT);
    }
    return b == null ? text : b.toString();
  }

  /** The UTF-8 bytes of {@code text}; a lone surrogate is encoded as U+FFFD. */
  static byte[] encode(String text) {
    return withoutLoneSurrogates(text).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Whether {@code bytes} is entirely valid UTF-8. */
  static boolean isValid(byte[] bytes, int length) {
    Decoder d = new Decoder();
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < length; i++) {
      if (d.push(bytes[i], out)) {
        return false;
      }
    }
    return !d.pending();
  }

  /** Lossy decoding of a whole byte array. */
  static String decodeLossy(byte[] bytes, int length) {
    Decoder d = new Decoder();
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      d.push(bytes[i], out);
    }
    d.finish(out);
    return out.toString();
  }

  static String decodeLossy(ByteArrayOutputStream bytes) {
    return decodeLossy(bytes.toByteArray(), bytes.size());
  }

  /**
   * Incremental lossy UTF-8 decoder. Bytes go in one at a time; a character comes out only when all
   * its bytes have arrived, so the output never ends in half a character.
   */
  static final class Decoder {
    private int codePoint;
    private int needed;
    private int seen;
    private int lower = 0x80;
    private int upper = 0xBF;

    /** Whether bytes are held waiting for the rest of a character. */
    boolean pending() {
      return needed > 0;
    }

    /** Feeds one byte, appending any completed text; returns whether a replacement was emitted. */
    boolean push(byte value, StringBuilder out) {
      int b = value & 0xFF;
      if (needed == 0) {
        return start(b, out);
      }
      if (b < lower || b > upper) {
        // A maximal subpart ended early: one U+FFFD for it, then b starts afresh (Unicode 3.9, U+FFFD practice).
        reset();
        out.append(REPLACEMENT);
        start(b, out);
        return true;
      }
      lower = 0x80;
      upper = 0xBF;
      codePoint = (codePoint << 6) | (b & 0x3F);
      if (++seen == needed) {
        out.appendCodePoint(codePoint);
        reset();
      }
      return false;
    }

    /** Ends the input: an incomplete character becomes one U+FFFD. */
    void finish(StringBuilder out) {
      if (needed > 0) {
        out.append(REPLACEMENT);
        reset();
      }
    }

    private boolean start(int b, StringBuilder out) {
      if (b < 0x80) {
        out.append((char) b);
        return false;
      }
      if (b >= 0xC2 && b <= 0xDF) {
        needed = 1;
        codePoint = b & 0x1F;
      } else if (b >= 0xE0 && b <= 0xEF) {
        needed = 2;
        codePoint = b & 0x0F;
        lower = b == 0xE0 ? 0xA0 : 0x80;
        upper = b == 0xED ? 0x9F : 0xBF;
      } else if (b >= 0xF0 && b <= 0xF4) {
        needed = 3;
        codePoint = b & 0x07;
        lower = b == 0xF0 ? 0x90 : 0x80;
        upper = b == 0xF4 ? 0x8F : 0xBF;
      } else {
        out.append(REPLACEMENT);
        return true;
      }
      seen = 0;
      return false;
    }

    private void reset() {
      needed = 0;
      seen = 0;
      codePoint = 0;
      lower = 0x80;
      upper = 0xBF;
    }
  }
}
