package io.liquidj.framework.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The one rule for turning input bytes into text (JSONL lines, tar captions and their JSON): strict
 * UTF-8. Bytes that are not valid UTF-8 are never repaired with replacement characters; the record
 * holding them is skipped as {@link SkipReason#BAD_UTF8} (or, where a command cannot skip, reported
 * with its line).
 */
public final class Utf8Text {
  private Utf8Text() {}

  /** Text decoded from bytes, or why it could not be: exactly one of {@code text} and {@code problem} is set. */
  public record Decoded(String text, String problem) {
    public boolean ok() {
      return text != null;
    }
  }

  /** Decodes {@code bytes[offset, offset + length)}. */
  public static Decoded decode(byte[] bytes, int offset, int length) {
    return decode(newDecoder(), bytes, offset, length);
  }

  /** Decodes all of {@code bytes}. */
  public static Decoded decode(byte[] bytes) {
    return decode(bytes, 0, bytes.length);
  }

  private static CharsetDecoder newDecoder() {
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
  }

  private static Decoded decode(CharsetDecoder decoder, byte[] bytes, int offset, int length) {
    ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
    CharBuffer out = CharBuffer.allocate(length); // UTF-8 never yields more UTF-16 units than bytes
    decoder.reset();
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      return new Decoded(null, "invalid UTF-8 at byte " + (in.position() - offset));
    }
    return new Decoded(out.flip().toString(), null);
  }

  /** One line of a file: its 1-based number and its text (or the decoding problem). */
  public record Line(long number, Decoded decoded) {}

  /**
   * Reads a file line by line ({@code \n} or {@code \r\n}), decoding each line on its own, so one bad
   * line costs only itself. Not thread-safe.
   */
  public static final class Lines implements Closeable {
    private final InputStream in;
    private final CharsetDecoder decoder = newDecoder();
    private final byte[] chunk = new byte[1 << 16];
    private int chunkStart;
    private int chunkEnd;
    private byte[] line = new byte[256];
    private long number;
    private boolean eof;

    public Lines(Path file) throws IOException {
      this.in = Files.newInputStream(file);
    }

    /** The next line, or null at the end of the file. */
    public Line next() throws IOException {
      int length = 0;
      while (true) {
        if (chunkStart == chunkEnd) {
          if (eof || !fill()) {
            eof = true;
            if (length == 0) {
              return null;
            }
            break;
          }
        }
        int newline = -1;
        for (int i = chunkStart; i < chunkEnd; i++) {
          if (chunk[i] == '\n') {
            newline = i;
            break;
          }
        }
        int end = newline < 0 ? chunkEnd : newline;
        int n = end - chunkStart;
        if (length + n > line.length) {
          line = Arrays.copyOf(line, Math.max(line.length * 2, length + n));
        }
        System.arraycopy(chunk, chunkStart, line, length, n);
        length += n;
        chunkStart = newline < 0 ? chunkEnd : newline + 1;
        if (newline >= 0) {
          break;
        }
      }
      if (length > 0 && line[length - 1] == '\r') {
        length--;
      }
      number++;
      return new Line(number, decode(decoder, line, 0, length));
    }

    private boolean fill() throws IOException {
      int n = in.read(chunk);
      if (n <= 0) {
        return false;
      }
      chunkStart = 0;
      chunkEnd = n;
      return true;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
