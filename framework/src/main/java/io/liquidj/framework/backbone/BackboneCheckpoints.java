package io.liquidj.framework.backbone;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import io.liquidj.framework.tf.VariableStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;

/**
 * Saves a backbone's variables as a Hugging Face checkpoint folder ({@code config.json} +
 * {@code model.safetensors}) that transformers' {@code from_pretrained} loads, written atomically.
 */
public final class BackboneCheckpoints {
  private BackboneCheckpoints() {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CHUNK = 1 << 16;

  /**
   * Writes {@code dir} with {@code config} (its {@code torch_dtype}/{@code dtype} set to the written
   * dtype) and every variable of {@code store} in {@code dtype} (F32 or BF16), one variable at a time.
   */
  public static void save(Session session, VariableStore store, ModelConfig config, Path dir, DType dtype)
      throws IOException {
    if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) {
      throw new IllegalArgumentException("weights are written as F32, BF16 or F16, not " + dtype);
    }
    ObjectNode json = (ObjectNode) JSON.readTree(config.toJson());
    String torchName = switch (dtype) {
      case BF16 -> "bfloat16";
      case F16 -> "float16";
      default -> "float32";
    };
    json.put(json.has("dtype") ? "dtype" : "torch_dtype", torchName);
    AtomicFiles.writeDirectory(dir, /* overwrite= */ false, tmp -> {
      Files.writeString(tmp.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
      SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
      for (VariableStore.Variable v : store.all()) {
        String name = v.spec().name();
        writer.add(name, dtype, v.spec().shape(), out -> store.withValue(session, name, t -> {
          FloatDataBuffer data = t.asRawTensor().data().asFloats();
          float[] chunk = new float[CHUNK];
          for (long start = 0; start < data.size(); start += CHUNK) {
            int len = (int) Math.min(CHUNK, data.size() - start);
            float[] part = len == CHUNK ? chunk : new float[len];
            data.offset(start).read(part, 0, len);
            ByteBuffer bytes = SafetensorsWriter.encodeFloats(part, dtype);
            try {
              while (bytes.hasRemaining()) {
                out.write(bytes);
              }
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
          return null;
        }));
      }
      writer.write(tmp.resolve("model.safetensors"));
    });
  }
}
