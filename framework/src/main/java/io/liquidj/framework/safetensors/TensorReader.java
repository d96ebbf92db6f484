package io.liquidj.framework.safetensors;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Read access to named tensors: one safetensors file, or a sharded checkpoint. Reads convert to the
 * requested Java type; {@link #bytes} gives the raw little-endian bytes of the memory-mapped region.
 */
public interface TensorReader extends AutoCloseable {
  /** Tensor names, in file order. */
  List<String> names();

  /** Whether the tensor exists. */
  boolean contains(String name);

  /** The header entry of {@code name}, or a {@link io.liquidj.framework.UserError} naming the file. */
  TensorInfo info(String name);

  /** The tensor's bytes, little-endian, read-only, memory-mapped (no copy). */
  ByteBuffer bytes(String name);

  /** The tensor as f32 (from F32, BF16, F16 or F64). */
  default float[] readFloats(String name) {
    TensorInfo info = info(name);
    float[] out = new float[Math.toIntExact(info.numElements())];
    Conversions.toFloats(bytes(name), info, out, 0);
    return out;
  }

  /** The tensor as int32 (from I32, I64 within range, I16, I8, U8, U16, BOOL). */
  default int[] readInts(String name) {
    TensorInfo info = info(name);
    int[] out = new int[Math.toIntExact(info.numElements())];
    Conversions.toInts(bytes(name), info, out);
    return out;
  }

  @Override
  void close();
}
