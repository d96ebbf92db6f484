package io.liquidj.framework.backbone;

import io.liquidj.framework.checkpoint.VariableFiles;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.tf.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.Session;

/**
 * Writes a backbone as a Hugging Face checkpoint folder ({@code config.json} + {@code model.safetensors})
 * that transformers' {@code from_pretrained} loads, atomically: the one writer of model folders (a
 * training run's export, and tests that need a saved model).
 */
public final class BackboneCheckpoints {
  private BackboneCheckpoints() {}

  /**
   * Writes {@code dir}: {@code backbone}'s config.json (with the vocabulary extension, if any) and every
   * parameter as {@code weights} reads it (a training run's: LoRA merged into the projections), in the
   * config's dtype, one tensor at a time. {@code dir} is replaced atomically when liquidj wrote it, or when
   * {@code overwrite} says the user asked for it ({@link AtomicFiles#writeDirectory}).
   *
   * @return {@code dir}
   */
  public static Path save(Session session, Weights weights, Backbone backbone, Path dir, boolean overwrite)
      throws IOException {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    backbone.parameters().forEach(p -> shapes.put(p.name(), p.shape()));
    DType dtype = switch (backbone.config().dtype()) {
      case "bfloat16" -> DType.BF16;
      case "float16" -> DType.F16;
      default -> DType.F32;
    };
    AtomicFiles.writeDirectory(dir, overwrite, tmp -> {
      Files.writeString(tmp.resolve("config.json"), backbone.config().toJson());
      VariableFiles.write(tmp.resolve("model.safetensors"), session, weights, shapes, dtype, Map.of("format", "pt"));
    });
    return dir;
  }
}
