package io.liquidj.framework.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code .safetensors} file, memory-mapped: an 8-byte little-endian header length, a JSON header
 * ({@code name -> {dtype, shape, data_offsets}} plus optional {@code __metadata__}), then the data.
 *
 * <p>The header is validated completely on open: a truncated file, a header length past the end,
 * an unknown dtype, offsets out of range or overlapping, or a shape that disagrees with its byte
 * count fail with a message naming the file and tensor, never with an out-of-bounds read. Each
 * tensor's bytes are mapped on demand (tensors up to 2 GiB each; files of any size).
 */
public final class SafetensorsFile implements TensorReader {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The format's limit on the header size (100 MB, as the reference implementation). */
  private static final long MAX_HEADER = 100_000_000L;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Opens and validates {@code path}. */
  public static SafetensorsFile open(Path path) {
    if (!Files.isRegularFile(path)) {
      throw new UserError("safetensors file " + path + " does not exist");
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
      long size = channel.size();
      if (size < 8) {
        throw new UserError(path + ": truncated safetensors file (" + size + " bytes, expected at least 8)");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lenBuf, 0);
      long headerLen = lenBuf.getLong(0);
      if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
        throw new UserError(path + ": header length " + headerLen + " is invalid for a file of " + size
            + " bytes (truncated or not a safetensors file)");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLen);
      readFully(channel, header, 8);
      JsonNode root;
      try {
        root = JSON.readTree(header.array());
      } catch (IOException e) {
        throw new UserError(path + ": header is not valid JSON: " + e.getMessage(), e);
      }
      if (root == null || !root.isObject()) {
        throw new UserError(path + ": header is not a JSON object");
      }
      long dataStart = 8 + headerLen;
      long dataSize = size - dataStart;
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) {
          e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
          continue;
        }
        tensors.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), dataSize));
      }
      checkNoOverlap(path, tensors);
      List<TensorInfo> ordered = new ArrayList<>(tensors.values());
      ordered.sort(Comparator.comparingLong(TensorInfo::begin));
      Map<String, TensorInfo> byOffset = new LinkedHashMap<>();
      ordered.forEach(t -> byOffset.put(t.name(), t));
      return new SafetensorsFile(path, channel, dataStart, Collections.unmodifiableMap(byOffset),
          Collections.unmodifiableMap(metadata));
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UserError("cannot read " + path + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  private static TensorInfo parseEntry(Path path, String name, JsonNode entry, long dataSize) {
    String where = path + ": tensor \"" + name + "\"";
    if (!entry.isObject() || !entry.has("dtype") || !entry.has("shape") || !entry.has("data_offsets")) {
      throw new UserError(where + " must have dtype, shape and data_offsets");
    }
    DType dtype = DType.parse(entry.get("dtype").asText(), where);
    JsonNode shapeNode = entry.get("shape");
    JsonNode offsets = entry.get("data_offsets");
    if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
      throw new UserError(where + ": shape must be a list and data_offsets a pair [begin, end]");
    }
    long[] shape = new long[shapeNode.size()];
    long elements = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
        throw new UserError(where + ": shape " + shapeNode + " must hold non-negative integers");
      }
      shape[i] = d.asLong();
      elements = multiplyOrOverflow(elements, shape[i]);
    }
    long begin = offsets.get(0).asLong(-1);
    long end = offsets.get(1).asLong(-1);
    if (begin < 0 || end < begin || end > dataSize) {
      throw new UserError(where + ": data_offsets [" + begin + ", " + end + "] out of range (data section has "
          + dataSize + " bytes; truncated file?)");
    }
    long expected = multiplyOrOverflow(elements, dtype.bytes());
    if (expected < 0) {
      throw new UserError(where + ": shape " + shapeNode + " has too many elements (its byte count overflows 64 bits)");
    }
    if (end - begin != expected) {
      throw new UserError(where + ": shape " + shapeNode + " of " + dtype + " needs " + expected + " bytes but "
          + "data_offsets span " + (end - begin));
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  /** {@code a·b} for non-negative factors, or -1 once the product (or a factor) has overflowed. */
  private static long multiplyOrOverflow(long a, long b) {
    if (a < 0 || b < 0) {
      return -1;
    }
    long high = Math.multiplyHigh(a, b);
    long product = a * b;
    return high != 0 || product < 0 ? -1 : product;
  }

  private static void checkNoOverlap(Path path, Map<String, TensorInfo> tensors) {
    List<TensorInfo> sorted = new ArrayList<>(tensors.values());
    sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    for (int i = 1; i < sorted.size(); i++) {
      TensorInfo prev = sorted.get(i - 1);
      TensorInfo cur = sorted.get(i);
      if (cur.begin() < prev.end() && cur.byteSize() > 0) {
        throw new UserError(path + ": tensors \"" + prev.name() + "\" and \"" + cur.name() + "\" overlap (["
            + prev.begin() + ", " + prev.end() + ") and [" + cur.begin() + ", " + cur.end() + "))");
      }
    }
  }

  /** The header's {@code __metadata__}. */
  public Map<String, String> metadata() {
    return metadata;
  }

  @Override
  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  @Override
  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  @Override
  public TensorInfo info(String name) {
    TensorInfo info = tensors.get(name);
    if (info == null) {
      throw new UserError(path + " has no tensor \"" + name + "\"");
    }
    return info;
  }

  @Override
  public ByteBuffer bytes(String name) {
    TensorInfo info = info(name);
    if (info.byteSize() > Integer.MAX_VALUE) {
      throw new UserError(path + ": tensor \"" + name + "\" is " + info.byteSize() + " bytes; tensors over 2 GiB are not supported");
    }
    try {
      if (info.byteSize() == 0) {
        return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
      }
      return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), info.byteSize())
          .order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new UserError("cannot map tensor \"" + name + "\" of " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }

  private static void readFully(FileChannel channel, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = channel.read(buf, pos);
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
      pos += n;
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Nothing useful to do: the file was only read.
      }
    }
  }
}
