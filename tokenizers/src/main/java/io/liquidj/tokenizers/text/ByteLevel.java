package io.liquidj.tokenizers.text;

/**
 * GPT-2's byte-to-character table (tokenizers' {@code ByteLevel}): printable Latin-1 bytes map to
 * themselves, the other 68 bytes to U+0100 onwards, so every byte sequence is a printable string.
 */
final class ByteLevel {
  private static final char[] BYTE_TO_CHAR = new char[256];
  private static final int[] CHAR_TO_BYTE = new int[0x200];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int next = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char c = printable ? (char) b : (char) (256 + next++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevel() {}

  /** The character standing for byte {@code b}. */
  static char charOf(int b) {
    return BYTE_TO_CHAR[b & 0xFF];
  }

  /** The byte a byte-level character stands for, or -1 if {@code c} is not one. */
  static int byteOf(char c) {
    return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
  }

  /** The byte-level string of {@code text}'s UTF-8 bytes. */
  static String map(String text) {
    byte[] bytes = Utf8.encode(text);
    char[] chars = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
    }
    return new String(chars);
  }

  /**
   * The bytes of one token as tokenizers' ByteLevel decoder reads it: each character's byte, or the
   * token's own UTF-8 when some character is not a byte-level one (an added token such as {@code
   * <boi>} is plain ASCII and maps to itself either way).
   */
  static byte[] bytesOf(String token) {
    byte[] out = new byte[token.length()];
    for (int i = 0; i < token.length(); i++) {
      int b = byteOf(token.charAt(i));
      if (b < 0) {
        return Utf8.encode(token);
      }
      out[i] = (byte) b;
    }
    return out;
  }
}
