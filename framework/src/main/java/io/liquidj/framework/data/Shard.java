package io.liquidj.framework.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32;

/** A prepared shard, memory-mapped (layout in {@link ShardWriter}). Reads are thread-safe. */
public final class Shard {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;
  private final JsonNode header;
  private final ByteBuffer index;
  private final IntBuffer text;
  private final ShortBuffer codes;
  private final int examples;

  private Shard(Path path, JsonNode header, ByteBuffer index, IntBuffer text, ShortBuffer codes, int examples) {
    this.path = path;
    this.header = header;
    this.index = index;
    this.text = text;
    this.codes = codes;
    this.examples = examples;
  }

  /**
   * Maps a shard file; a file that is not a whole shard of this version (cut short, damaged, or
   * written by an older liquidj) is a user error naming it and saying to rerun prepare. The checksum
   * is not verified here (see {@link #damage}), but the structure is, and every example read is
   * bounds-checked.
   */
  public static Shard open(Path path) {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE) {
        throw new UserError(path + " is larger than 2 GiB; prepare it again with a smaller data.prepare.shard-size");
      }
      ByteBuffer all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
      return read(path, all);
    } catch (IOException e) {
      throw new UserError("cannot read shard " + path + ": " + e.getMessage() + "; rerun ./liquid prepare", e);
    }
  }

  /**
   * Why the shard file at {@code path} cannot be used (unreadable, cut short, a checksum mismatch, an
   * older format), or null when it is whole: {@code prepare} redoes a shard with damage.
   */
  public static String damage(Path path) {
    try {
      Shard shard = open(path);
      ByteBuffer all;
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
      }
      int body = all.limit() - ShardWriter.FOOTER_BYTES;
      CRC32 crc = new CRC32();
      crc.update(all.duplicate().position(0).limit(body));
      if ((int) crc.getValue() != all.getInt(body + 8)) {
        return shard.path + " fails its checksum";
      }
      return null;
    } catch (UserError | IOException e) {
      return e.getMessage();
    }
  }

  private static Shard read(Path path, ByteBuffer all) throws IOException {
    long size = all.limit();
    String rerun = "; rerun ./liquid prepare to redo it";
    byte[] magic = new byte[ShardWriter.MAGIC.length];
    if (size < magic.length + 4) {
      throw new UserError(path + " is not a prepared shard (" + size + " bytes, too short)" + rerun);
    }
    all.get(magic);
    if (!Arrays.equals(magic, ShardWriter.MAGIC)) {
      throw new UserError(path + " is not a prepared shard (expected magic LQJSHARD); run ./liquid prepare");
    }
    int headerLength = all.getInt();
    if (headerLength <= 0 || headerLength > size - all.position()) {
      throw new UserError(path + " is truncated or damaged (header of " + headerLength + " bytes in a file of " + size
          + ")" + rerun);
    }
    byte[] headerBytes = new byte[headerLength];
    all.get(headerBytes);
    JsonNode header;
    try {
      header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UserError(path + " is damaged (its header is not JSON)" + rerun, e);
    }
    if (header == null || !header.isObject()) {
      throw new UserError(path + " is damaged (its header is not a JSON object)" + rerun);
    }
    int version = header.path("version").asInt();
    if (version != ShardWriter.VERSION) {
      throw new UserError(path + " has shard format version " + version + " (written by " + (version < ShardWriter.VERSION
          ? "an older" : "a newer") + " liquidj), this build reads " + ShardWriter.VERSION + "; rerun ./liquid prepare");
    }
    long body = size - ShardWriter.FOOTER_BYTES;
    byte[] footerMagic = new byte[ShardWriter.FOOTER_MAGIC.length];
    if (body >= all.position()) {
      all.get((int) body + 12, footerMagic);
    }
    if (!Arrays.equals(footerMagic, ShardWriter.FOOTER_MAGIC) || all.getLong((int) body) != body) {
      throw new UserError(path + " is truncated or damaged (" + size + " bytes, no intact footer)" + rerun);
    }
    long examples = header.path("examples").asLong(-1);
    long textLength = header.path("text-tokens").asLong(-1);
    long codeLength = header.path("codes").asLong(-1);
    int dataStart = ShardWriter.align8(ShardWriter.MAGIC.length + 4 + headerLength);
    long textStart = dataStart + examples * ShardWriter.INDEX_ENTRY_BYTES;
    long codeStart = textStart + 4 * textLength;
    if (examples < 0 || textLength < 0 || codeLength < 0 || examples > size || textLength > size || codeLength > size
        || codeStart + 2 * codeLength != body) {
      throw new UserError(path + " is truncated or damaged: " + body + " bytes of data, its header describes "
          + (codeStart + 2 * codeLength) + rerun);
    }
    ByteBuffer index = slice(all, dataStart, textStart);
    IntBuffer text = slice(all, textStart, codeStart).asIntBuffer();
    ShortBuffer codes = slice(all, codeStart, body).asShortBuffer();
    return new Shard(path, header, index, text, codes, (int) examples);
  }

  private static ByteBuffer slice(ByteBuffer all, long from, long to) {
    return all.duplicate().position((int) from).limit((int) to).slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The shard file. */
  public Path path() {
    return path;
  }

  /** The number of examples. */
  public int size() {
    return examples;
  }

  /** The header (counts, tokenizer sizes, prepare counts). */
  public JsonNode header() {
    return header;
  }

  /** The prepare counts recorded for this shard's records. */
  public PrepareCounts counts() {
    return PrepareCounts.fromJson(header.path("prepare"));
  }

  /** Example {@code i}. */
  public Example get(int i) {
    if (i < 0 || i >= examples) {
      throw new IndexOutOfBoundsException("example " + i + " of " + examples + " in " + path);
    }
    int at = i * ShardWriter.INDEX_ENTRY_BYTES;
    long textStart = index.getLong(at);
    long codeStart = index.getLong(at + 8);
    int textLength = index.getInt(at + 16);
    int gridHeight = index.getShort(at + 20) & 0xFFFF;
    int gridWidth = index.getShort(at + 22) & 0xFFFF;
    int kind = index.getInt(at + 24);
    int width = index.getShort(at + 28) & 0xFFFF;
    int height = index.getShort(at + 30) & 0xFFFF;
    long gridSize = (long) gridHeight * gridWidth;
    if (textStart < 0 || textLength < 0 || textStart + textLength > text.limit() || codeStart < 0
        || codeStart + gridSize > codes.limit() || (kind != 0 && kind != 1) || (kind == 0) == (gridSize == 0)) {
      throw new UserError(path + ": example " + i + " is damaged (its index entry points outside the shard); "
          + "rerun ./liquid prepare to redo it");
    }
    int[] ids = new int[textLength];
    text.get((int) textStart, ids);
    if (kind == 1) {
      return Example.text(ids);
    }
    int[] c = new int[gridHeight * gridWidth];
    for (int k = 0; k < c.length; k++) {
      c[k] = codes.get((int) codeStart + k) & 0xFFFF;
    }
    try {
      return Example.pair(ids, c, gridHeight, gridWidth, width, height);
    } catch (IllegalArgumentException e) {
      throw new UserError(path + ": example " + i + " is damaged (" + e.getMessage() + "); rerun ./liquid prepare to redo it");
    }
  }
}
