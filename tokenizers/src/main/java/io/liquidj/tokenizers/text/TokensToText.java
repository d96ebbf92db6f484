package io.liquidj.tokenizers.text;

import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * Token strings → text: a {@code tokenizer.json} {@code decoder}, either {@code ByteLevel} (Llama-3, Qwen2.5) or a
 * SentencePiece-style chain of {@code Replace}, {@code ByteFallback}, {@code Fuse} and {@code
 * Metaspace} (Gemma).
 *
 * @param byteLevel tokens are byte-level strings (GPT-2's byte-to-character table)
 * @param replaces literal replacements applied to each token, in order (pairs: from, to)
 * @param byteFallback {@code <0xXX>} tokens are bytes; a run of them that is not valid UTF-8 becomes
 *     one U+FFFD per byte (tokenizers' {@code ByteFallback})
 * @param stripFirstSpace the first token loses one leading space ({@code Metaspace} with a prepend scheme)
 */
record TokensToText(boolean byteLevel, List<String> replaces, boolean byteFallback, boolean stripFirstSpace) {

  /** The text of a whole token sequence, exactly as tokenizers' decoder chain produces it. */
  String decode(List<String> tokens) {
    if (byteLevel) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      tokens.forEach(t -> bytes.writeBytes(ByteLevel.bytesOf(t)));
      return Utf8.decodeLossy(bytes);
    }
    StringBuilder out = new StringBuilder();
    ByteArrayOutputStream run = new ByteArrayOutputStream();
    for (int i = 0; i < tokens.size(); i++) {
      String token = tokens.get(i);
      int b = byteFallback ? byteToken(token) : -1;
      if (b >= 0) {
        run.write(b);
        continue;
      }
      flushRun(run, out);
      out.append(text(token, i == 0));
    }
    flushRun(run, out);
    return out.toString();
  }

  /** The bytes one token contributes when decoding token by token ({@code first}: the first token). */
  byte[] bytes(String token, boolean first) {
    if (byteLevel) {
      return ByteLevel.bytesOf(token);
    }
    int b = byteFallback ? byteToken(token) : -1;
    return b >= 0 ? new byte[] {(byte) b} : Utf8.encode(text(token, first));
  }

  private String text(String token, boolean first) {
    String s = token;
    for (int r = 0; r < replaces.size(); r += 2) {
      s = s.replace(replaces.get(r), replaces.get(r + 1));
    }
    if (first && stripFirstSpace && s.startsWith(" ")) {
      s = s.substring(1);
    }
    return s;
  }

  private static void flushRun(ByteArrayOutputStream run, StringBuilder out) {
    if (run.size() == 0) {
      return;
    }
    byte[] bytes = run.toByteArray();
    if (Utf8.isValid(bytes, bytes.length)) {
      out.append(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    } else {
      out.append(String.valueOf(Utf8.REPLACEMENT).repeat(bytes.length));
    }
    run.reset();
  }

  /** The byte of a {@code <0xXX>} token, or -1. */
  static int byteToken(String token) {
    if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') {
      return -1;
    }
    int hi = Character.digit(token.charAt(3), 16);
    int lo = Character.digit(token.charAt(4), 16);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  }
}
