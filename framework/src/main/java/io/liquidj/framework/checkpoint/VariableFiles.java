package io.liquidj.framework.checkpoint;

import io.liquidj.framework.tf.Weights;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;

/**
 * Writes graph values to a {@code .safetensors} file one tensor at a time: each tensor is fetched
 * when the writer reaches it, streamed in chunks, and closed, so at most one tensor is on the host.
 */
public final class VariableFiles {
  private static final int CHUNK = 1 << 20;

  private VariableFiles() {}

  /**
   * Writes {@code names → weights.get(name)} with the given shapes, as {@code dtype}.
   *
   * @param shapes tensor name → shape, in file order
   */
  public static void write(Path file, Session session, Weights weights, Map<String, long[]> shapes, DType dtype,
      Map<String, String> metadata) throws IOException {
    SafetensorsWriter writer = new SafetensorsWriter();
    metadata.forEach(writer::metadata);
    shapes.forEach((name, shape) -> {
      Operand<TFloat32> value = weights.get(name);
      writer.add(name, dtype, shape, out -> stream(session, value, dtype, out));
    });
    writer.write(file);
  }

  private static void stream(Session session, Operand<TFloat32> value, DType dtype, FileChannel out)
      throws IOException {
    try (Result result = session.runner().fetch(value).run()) {
      FloatDataBuffer data = ((TFloat32) result.get(0)).asRawTensor().data().asFloats();
      long n = data.size();
      float[] chunk = new float[(int) Math.min(CHUNK, n)];
      for (long start = 0; start < n; start += CHUNK) {
        int len = (int) Math.min(CHUNK, n - start);
        float[] part = len == chunk.length ? chunk : new float[len];
        data.offset(start).read(part, 0, len);
        ByteBuffer bytes = SafetensorsWriter.encodeFloats(part, dtype);
        while (bytes.hasRemaining()) {
          out.write(bytes);
        }
      }
    }
  }
}
