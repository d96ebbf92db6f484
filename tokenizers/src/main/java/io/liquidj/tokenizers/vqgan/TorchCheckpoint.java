package io.liquidj.tokenizers.vqgan;

import io.liquidj.framework.UserError;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.TensorInfo;
import io.liquidj.framework.safetensors.TensorReader;
import io.liquidj.tokenizers.vqgan.StateDictPickle.TensorRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The tensors of a PyTorch checkpoint saved by {@code torch.save} (zip format, PyTorch ≥ 1.6):
 * {@code <name>/data.pkl} (the pickled object, read by {@link StateDictPickle}, which executes
 * nothing) and {@code <name>/data/<key>} (raw little-endian storages). The tensors are those of the
 * top-level {@code state_dict} entry, or of the top-level dict itself when it holds tensors.
 * Storages are read from the zip when a tensor is asked for.
 */
public final class TorchCheckpoint implements TensorReader {
  private final Path path;
  private final ZipFile zip;
  private final String prefix;
  private final Map<String, TensorRef> tensors;

  private TorchCheckpoint(Path path, ZipFile zip, String prefix, Map<String, TensorRef> tensors) {
    this.path = path;
    this.zip = zip;
    this.prefix = prefix;
    this.tensors = tensors;
  }

  /** Opens {@code path} and reads its pickle; errors name the file and what is wrong. */
  public static TorchCheckpoint open(Path path) {
    ZipFile zip;
    try {
      zip = new ZipFile(path.toFile());
    } catch (ZipException e) {
      throw new UserError(path + ": not a readable zip (" + e.getMessage() + "); the file is truncated, corrupt,"
          + " or a legacy (pre-1.6) PyTorch checkpoint — re-save it with torch.save in a current PyTorch", e);
    } catch (IOException e) {
      throw new UserError("cannot open " + path + ": " + e.getMessage(), e);
    }
    try {
      ZipEntry pkl = zip.stream().filter(e -> e.getName().endsWith("/data.pkl") && e.getName().indexOf('/') == e.getName().length() - 9)
          .findFirst()
          .orElseThrow(() -> new UserError(path + ": no <name>/data.pkl entry; not a torch.save zip checkpoint"));
      String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
      ZipEntry order = zip.getEntry(prefix + "byteorder");
      if (order != null) {
        String byteOrder = new String(read(zip, order, path), StandardCharsets.US_ASCII).trim();
        if (!byteOrder.equals("little")) {
          throw new UserError(path + ": storages are " + byteOrder + "-endian; only little-endian is supported");
        }
      }
      Object root = StateDictPickle.read(read(zip, pkl, path), path + " (" + pkl.getName() + ")");
      Map<String, TensorRef> tensors = stateDict(root, path);
      TorchCheckpoint checkpoint = new TorchCheckpoint(path, zip, prefix, tensors);
      tensors.keySet().forEach(checkpoint::info); // validates every view against its storage's size
      return checkpoint;
    } catch (RuntimeException e) {
      closeQuietly(zip);
      throw e;
    }
  }

  private static Map<String, TensorRef> stateDict(Object root, Path path) {
    if (!(root instanceof Map<?, ?> top)) {
      throw new UserError(path + ": the pickled object is not a dict");
    }
    Object sd = top.containsKey("state_dict") ? top.get("state_dict") : top;
    if (!(sd instanceof Map<?, ?> dict)) {
      throw new UserError(path + ": \"state_dict\" is not a dict");
    }
    Map<String, TensorRef> tensors = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : dict.entrySet()) {
      if (e.getKey() instanceof String key && e.getValue() instanceof TensorRef t) {
        tensors.put(key, t);
      }
    }
    if (tensors.isEmpty()) {
      throw new UserError(path + ": the state dict holds no tensors (keys: " + dict.keySet() + ")");
    }
    return tensors;
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
    TensorRef t = tensor(name);
    DType dtype = t.storage().dtype();
    long numel = 1;
    for (long d : t.shape()) {
      numel *= d;
    }
    if (!isContiguous(t)) {
      throw new UserError(path + ": tensor \"" + name + "\" has strides " + Arrays.toString(t.stride()) + " for shape "
          + Arrays.toString(t.shape()) + "; only contiguous tensors are supported (save a state_dict of .contiguous() tensors)");
    }
    if (t.offset() < 0 || t.offset() + numel > t.storage().numel()) {
      throw new UserError(path + ": tensor \"" + name + "\" needs elements [" + t.offset() + ", " + (t.offset() + numel)
          + ") of storage " + t.storage().key() + ", which has " + t.storage().numel());
    }
    long begin = t.offset() * dtype.bytes();
    return new TensorInfo(name, dtype, t.shape(), begin, begin + numel * dtype.bytes());
  }

  @Override
  public ByteBuffer bytes(String name) {
    TensorInfo info = info(name);
    TensorRef t = tensor(name);
    String entryName = prefix + "data/" + t.storage().key();
    ZipEntry entry = zip.getEntry(entryName);
    if (entry == null) {
      throw new UserError(path + ": storage " + entryName + " of tensor \"" + name + "\" is missing from the zip");
    }
    byte[] data = read(zip, entry, path);
    long expected = t.storage().numel() * info.dtype().bytes();
    if (data.length != expected) {
      throw new UserError(path + ": storage " + entryName + " has " + data.length + " bytes, expected " + expected
          + " (" + t.storage().numel() + " × " + info.dtype() + ")");
    }
    return ByteBuffer.wrap(data, (int) info.begin(), (int) info.byteSize()).slice().asReadOnlyBuffer()
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  private TensorRef tensor(String name) {
    TensorRef t = tensors.get(name);
    if (t == null) {
      throw new UserError(path + " has no tensor \"" + name + "\"");
    }
    return t;
  }

  private static boolean isContiguous(TensorRef t) {
    if (t.shape().length != t.stride().length) {
      return false;
    }
    long expected = 1;
    for (int i = t.shape().length - 1; i >= 0; i--) {
      if (t.shape()[i] != 1 && t.stride()[i] != expected) {
        return false;
      }
      expected *= t.shape()[i];
    }
    return true;
  }

  private static byte[] read(ZipFile zip, ZipEntry entry, Path path) {
    try (InputStream in = zip.getInputStream(entry)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UserError(path + ": cannot read " + entry.getName() + " (" + e.getMessage() + "); the file is truncated or corrupt", e);
    }
  }

  private static void closeQuietly(ZipFile zip) {
    try {
      zip.close();
    } catch (IOException ignored) {
      // already failing with a better message
    }
  }

  @Override
  public void close() {
    closeQuietly(zip);
  }
}
