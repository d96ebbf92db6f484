package io.liquidj.framework.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * Collects prepared examples in memory and writes them as one shard file, atomically (a crash never
 * leaves a partial shard, so {@code prepare} can skip every shard that exists).
 *
 * <p>Layout (little-endian), read by {@link Shard}:
 * <pre>
 *   "LQJSHARD"                 8 bytes magic
 *   int32 H                    header length
 *   header                     H bytes of UTF-8 JSON: format, version, counts, section offsets, prepare counts
 *   zero padding to 8 bytes
 *   index                      examples × 32 bytes: int64 textStart, int64 codeStart, int32 textLength,
 *                              int16 gridHeight, int16 gridWidth, int32 kind (0 pair, 1 text),
 *                              uint16 width, uint16 height (pixels of a pair kept at its aspect ratio, else 0;
 *                              version 3)
 *   text ids                   int32 per token (caption or document ids, no BOS/EOS)
 *   codes                      uint16 per image code (row-major per image)
 *   footer                     16 bytes: int64 length of everything before the footer, int32 CRC-32 of it,
 *                              "LQJE" (a cut or damaged shard is recognised before any read)
 * </pre>
 */
public final class ShardWriter {
  static final byte[] MAGIC = "LQJSHARD".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 3;
  static final byte[] FOOTER_MAGIC = "LQJE".getBytes(StandardCharsets.US_ASCII);
  static final int FOOTER_BYTES = 16;
  static final int INDEX_ENTRY_BYTES = 32;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int textVocabSize;
  private final int codebookSize;
  private long[] index = new long[64 * 5];
  private int[] text = new int[1024];
  private short[] codes = new short[1024];
  private int examples;
  private int pairs;
  private int textLength;
  private int codeLength;

  /**
   * @param textVocabSize the text tokenizer's size (recorded so training can check it uses the same tokenizer)
   * @param codebookSize the image tokenizer's codebook size (at most 65,536: codes are stored as uint16;
   *     0 for text-only shards)
   */
  public ShardWriter(int textVocabSize, int codebookSize) {
    if (codebookSize > 65536) {
      throw new IllegalArgumentException("codes are stored as uint16; codebook " + codebookSize + " is too large");
    }
    this.textVocabSize = textVocabSize;
    this.codebookSize = codebookSize;
  }

  /** Appends one example. */
  public void add(Example e) {
    if (examples * 5 + 5 > index.length) {
      index = Arrays.copyOf(index, index.length * 2);
    }
    text = ensure(text, textLength + e.textIds().length);
    System.arraycopy(e.textIds(), 0, text, textLength, e.textIds().length);
    if (codes.length < codeLength + e.codes().length) {
      codes = Arrays.copyOf(codes, Math.max(codes.length * 2, codeLength + e.codes().length));
    }
    for (int i = 0; i < e.codes().length; i++) {
      int c = e.codes()[i];
      if (c < 0 || c >= codebookSize) {
        throw new IllegalArgumentException("image code " + c + " outside [0, " + codebookSize + ")");
      }
      codes[codeLength + i] = (short) c;
    }
    if (e.width() > 0xFFFF || e.height() > 0xFFFF) {
      throw new IllegalArgumentException("image size " + e.width() + "x" + e.height() + " does not fit uint16");
    }
    int at = examples * 5;
    index[at] = textLength;
    index[at + 1] = codeLength;
    index[at + 2] = e.textIds().length;
    index[at + 3] = ((long) e.gridHeight() << 32) | ((long) e.gridWidth() << 16) | (e.kind() == Example.Kind.PAIR ? 0 : 1);
    index[at + 4] = ((long) e.width() << 16) | e.height();
    textLength += e.textIds().length;
    codeLength += e.codes().length;
    examples++;
    if (e.kind() == Example.Kind.PAIR) {
      pairs++;
    }
  }

  /** Examples added so far. */
  public int size() {
    return examples;
  }

  /** Writes the shard to {@code target} atomically, with the prepare counts of its records in the header. */
  public void write(Path target, PrepareCounts counts) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    header.put("format", "liquidj-shard");
    header.put("version", VERSION);
    header.put("examples", examples);
    header.put("pairs", pairs);
    header.put("texts", examples - pairs);
    header.put("text-tokens", textLength);
    header.put("codes", codeLength);
    header.put("text-vocab-size", textVocabSize);
    header.put("codebook-size", codebookSize);
    header.set("prepare", counts.toJson(JSON));
    byte[] headerBytes = JSON.writeValueAsBytes(header);
    int dataStart = align8(MAGIC.length + 4 + headerBytes.length);
    long body = dataStart + (long) examples * INDEX_ENTRY_BYTES + 4L * textLength + 2L * codeLength;
    long total = body + FOOTER_BYTES;
    if (total > Integer.MAX_VALUE) {
      throw new IllegalStateException("shard would be " + total + " bytes (limit 2 GiB); lower data.prepare.shard-size");
    }
    ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).putInt(headerBytes.length).put(headerBytes);
    b.position(dataStart);
    for (int i = 0; i < examples; i++) {
      long packed = index[i * 5 + 3];
      long size = index[i * 5 + 4];
      b.putLong(index[i * 5]).putLong(index[i * 5 + 1]).putInt((int) index[i * 5 + 2])
          .putShort((short) (packed >>> 32)).putShort((short) ((packed >>> 16) & 0xFFFF))
          .putInt((int) (packed & 0xFFFF)).putShort((short) (size >>> 16)).putShort((short) (size & 0xFFFF));
    }
    b.asIntBuffer().put(text, 0, textLength);
    b.position(b.position() + 4 * textLength);
    b.asShortBuffer().put(codes, 0, codeLength);
    CRC32 crc = new CRC32();
    crc.update(b.duplicate().position(0).limit((int) body));
    b.position((int) body);
    b.putLong(body).putInt((int) crc.getValue()).put(FOOTER_MAGIC);
    b.position(0);
    AtomicFiles.write(target, (FileChannel ch) -> {
      while (b.hasRemaining()) {
        ch.write(b);
      }
    });
  }

  static int align8(int n) {
    return (n + 7) & ~7;
  }

  private static int[] ensure(int[] a, int n) {
    return a.length >= n ? a : Arrays.copyOf(a, Math.max(a.length * 2, n));
  }
}
