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

  /** Maps a shard file; a file that is not a shard of this version is a user error naming it. */
  public static Shard open(Path path) {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE) {
        throw new UserError(path + " is larger than 2 GiB; prepare it again with a smaller data.prepare.shard-size");
      }
      ByteBuffer all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
      byte[] magic = new byte[ShardWriter.MAGIC.length];
      if (size < magic.length + 4) {
        throw new UserError(path + " is not a prepared shard (too short)");
      }
      all.get(magic);
      if (!Arrays.equals(magic, ShardWriter.MAGIC)) {
        throw new UserError(path + " is not a prepared shard (expected magic LQJSHARD); run ./liquid prepare");
      }
      int headerLength = all.getInt();
      byte[] headerBytes = new byte[headerLength];
      all.get(headerBytes);
      JsonNode header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
      int version = header.path("version").asInt();
      if (version != ShardWriter.VERSION) {
        throw new UserError(path + " has shard format version " + version + ", this build reads "
            + ShardWriter.VERSION + "; prepare the data again");
      }
      int examples = header.path("examples").asInt();
      long textLength = header.path("text-tokens").asLong();
      long codeLength = header.path("codes").asLong();
      int dataStart = ShardWriter.align8(ShardWriter.MAGIC.length + 4 + headerLength);
      long textStart = dataStart + (long) examples * ShardWriter.INDEX_ENTRY_BYTES;
      long codeStart = textStart + 4 * textLength;
      if (codeStart + 2 * codeLength != size) {
        throw new UserError(path + " is truncated or corrupt: " + size + " bytes, header describes "
            + (codeStart + 2 * codeLength));
      }
      ByteBuffer index = slice(all, dataStart, textStart);
      IntBuffer text = slice(all, textStart, codeStart).asIntBuffer();
      ShortBuffer codes = slice(all, codeStart, size).asShortBuffer();
      return new Shard(path, header, index, text, codes, examples);
    } catch (IOException e) {
      throw new UserError("cannot read shard " + path + ": " + e.getMessage(), e);
    }
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
    int[] ids = new int[textLength];
    text.get((int) textStart, ids);
    if (kind == 1) {
      return Example.text(ids);
    }
    int[] c = new int[gridHeight * gridWidth];
    for (int k = 0; k < c.length; k++) {
      c[k] = codes.get((int) codeStart + k) & 0xFFFF;
    }
    return Example.pair(ids, c, gridHeight, gridWidth);
  }
}
