package io.liquidj.framework;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Seeded mutations of a valid file for the fuzz tests: bit flips (half of them in the header),
 * truncations, byte insertions and header edits (a number in a text header replaced by an extreme
 * one, or a format's own edit), and the rule every reader must keep on them.
 */
public final class Mutations {
  private static final Pattern NUMBER = Pattern.compile("-?[0-9]+");
  private static final String[] EXTREMES = {"0", "-1", "4294967296", "1099511627776", "9223372036854775807",
      "18446744073709551616", "1e300"};

  /** A format's own header edit (a PNG's IHDR dimensions, with the CRC fixed), given the file and the random. */
  @FunctionalInterface
  public interface HeaderEdit {
    byte[] apply(byte[] valid, Mutations mutations);
  }

  /** Something that reads a mutated file. */
  @FunctionalInterface
  public interface Reader {
    void read() throws Exception;
  }

  private final Random random;
  private final int headerBytes;
  private final HeaderEdit headerEdit;

  /**
   * @param seed the seed (a failure names it with the mutation's index, so it can be replayed)
   * @param headerBytes how many leading bytes form the header (bit flips favour them)
   * @param headerEdit the format's header edit, or null to replace numbers in a text header
   */
  public Mutations(long seed, int headerBytes, HeaderEdit headerEdit) {
    this.random = new Random(seed);
    this.headerBytes = headerBytes;
    this.headerEdit = headerEdit;
  }

  /** The random source (for header edits). */
  public Random random() {
    return random;
  }

  /** One random mutation of {@code valid}. */
  public byte[] next(byte[] valid) {
    byte[] b = valid.clone();
    switch (random.nextInt(4)) {
      case 0 -> {
        for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
          int at = random.nextBoolean() ? random.nextInt(Math.min(headerBytes, b.length)) : random.nextInt(b.length);
          b[at] ^= (byte) (1 << random.nextInt(8));
        }
        return b;
      }
      case 1 -> {
        return Arrays.copyOf(b, random.nextInt(b.length));
      }
      case 2 -> {
        int at = random.nextInt(b.length + 1);
        byte[] inserted = new byte[1 + random.nextInt(16)];
        random.nextBytes(inserted);
        byte[] out = new byte[b.length + inserted.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(inserted, 0, out, at, inserted.length);
        System.arraycopy(b, at, out, at + inserted.length, b.length - at);
        return out;
      }
      default -> {
        return headerEdit != null ? headerEdit.apply(b, this) : replaceNumber(b);
      }
    }
  }

  /** A number in the (ISO-8859-1 read) header replaced by an extreme one. */
  private byte[] replaceNumber(byte[] b) {
    int end = Math.min(headerBytes, b.length);
    byte[] head = replaceNumber(new String(b, 0, end, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = Arrays.copyOf(head, head.length + b.length - end);
    System.arraycopy(b, end, out, head.length, b.length - end);
    return out;
  }

  /** {@code text} with one of its numbers (chosen at random) replaced by an extreme one (0, -1, 2^40, 2^64…). */
  public String replaceNumber(String text) {
    Matcher m = NUMBER.matcher(text);
    int count = 0;
    while (m.find()) {
      count++;
    }
    if (count == 0) {
      return text;
    }
    m.reset();
    for (int pick = random.nextInt(count); pick >= 0; pick--) {
      m.find();
    }
    return text.substring(0, m.start()) + EXTREMES[random.nextInt(EXTREMES.length)] + text.substring(m.end());
  }

  /**
   * Runs {@code reader} on a mutation: it may succeed or fail with a {@link UserError} that has a
   * message; anything else (NPE, IndexOutOfBounds, BufferUnderflow, NegativeArraySize, OOM…) fails.
   */
  public static void expectCleanOutcome(String what, Reader reader) {
    try {
      reader.read();
    } catch (UserError e) {
      assertFalse(e.getMessage() == null || e.getMessage().isBlank(), what + ": a UserError without a message");
    } catch (Throwable t) {
      fail(what + ": unexpected " + t, t);
    }
  }
}
