package io.liquidj.framework.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@code .safetensors} file: tensors are added with their dtype, shape and a source that
 * streams the bytes, then {@link #write} writes header and data to a temporary file, syncs it and
 * renames it into place, so a crash leaves either the old file or the complete new one.
 */
public final class SafetensorsWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Writes a tensor's bytes (little-endian, exactly {@code byteSize}) to the channel. */
  @FunctionalInterface
  public interface Source {
    void writeTo(FileChannel out) throws IOException;
  }

  private record Entry(String name, DType dtype, long[] shape, long byteSize, Source source) {}

  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  /** Adds a {@code __metadata__} entry. */
  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /** Adds a tensor whose bytes come from {@code source}. */
  public SafetensorsWriter add(String name, DType dtype, long[] shape, Source source) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    if (entries.stream().anyMatch(e -> e.name.equals(name))) {
      throw new IllegalArgumentException("duplicate tensor " + name);
    }
    entries.add(new Entry(name, dtype, shape.clone(), n * dtype.bytes(), source));
    return this;
  }

  /** Adds a tensor from a buffer of its little-endian bytes. */
  public SafetensorsWriter add(String name, DType dtype, long[] shape, ByteBuffer bytes) {
    ByteBuffer copy = bytes.duplicate();
    return add(name, dtype, shape, out -> {
      ByteBuffer b = copy.duplicate();
      while (b.hasRemaining()) {
        out.write(b);
      }
    });
  }

  /** Adds an f32 tensor, written as {@code dtype} (F32, BF16 or F16). */
  public SafetensorsWriter addFloats(String name, DType dtype, long[] shape, float[] values) {
    return add(name, dtype, shape, encodeFloats(values, dtype));
  }

  /** Adds an int32 tensor. */
  public SafetensorsWriter addInts(String name, long[] shape, int[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(values);
    return add(name, DType.I32, shape, b);
  }

  /** Encodes floats as F32, BF16 (round to nearest even) or F16. */
  public static ByteBuffer encodeFloats(float[] values, DType dtype) {
    ByteBuffer b = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case F32 -> b.asFloatBuffer().put(values);
      case BF16 -> {
        for (int i = 0; i < values.length; i++) {
          b.putShort(i * 2, Conversions.floatToBf16(values[i]));
        }
      }
      case F16 -> {
        for (int i = 0; i < values.length; i++) {
          b.putShort(i * 2, Conversions.floatToHalf(values[i]));
        }
      }
      default -> throw new IllegalArgumentException("floats cannot be written as " + dtype);
    }
    return b;
  }

  /** Writes the file atomically. */
  public void write(Path path) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Entry e : entries) {
      ObjectNode t = header.putObject(e.name);
      t.put("dtype", e.dtype.name());
      ArrayNode shape = t.putArray("shape");
      for (long d : e.shape) {
        shape.add(d);
      }
      ArrayNode offsets = t.putArray("data_offsets");
      offsets.add(offset);
      offsets.add(offset + e.byteSize);
      offset += e.byteSize;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8; // the data section starts 8-aligned, padded with spaces
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    AtomicFiles.write(path, channel -> {
      while (head.hasRemaining()) {
        channel.write(head);
      }
      for (Entry e : entries) {
        long before = channel.position();
        e.source.writeTo(channel);
        long written = channel.position() - before;
        if (written != e.byteSize) {
          throw new IOException("tensor " + e.name + ": wrote " + written + " bytes, expected " + e.byteSize);
        }
      }
    });
  }
}
