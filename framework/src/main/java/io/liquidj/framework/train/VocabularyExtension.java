package io.liquidj.framework.train;

import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.safetensors.Checkpoint;
import io.liquidj.framework.safetensors.Conversions;
import io.liquidj.framework.safetensors.TensorInfo;
import io.liquidj.framework.tf.VariableStore;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.tensorflow.Session;

/**
 * Grows a text backbone's vocabulary by the Liquid image codes: code c becomes token
 * {@code vocab_size + c}, followed by {@code <boi>}, {@code <eoi>}, {@code <unconditional>}.
 */
public final class VocabularyExtension {
  private VocabularyExtension() {}

  /** {@code base} with {@code imageCodes} codes and the three specials appended to its rows. */
  public static ModelConfig extend(ModelConfig base, int imageCodes) {
    int offset = base.vocabSize();
    int specials = offset + imageCodes;
    return base.withLiquidExtension(specials + 3,
        new ModelConfig.LiquidExtension(offset, imageCodes, specials, specials + 1, specials + 2));
  }

  /**
   * Loads a checkpoint into variables whose embedding / LM-head rows may exceed the checkpoint's:
   * equal shapes load as they are; for a grown first dimension the old rows are copied and each new
   * row is the mean of the old rows plus the variable's own initial value (normal(0, 0.02)), so new
   * tokens start as an "average" token, as transformers' resize_token_embeddings does (mean init).
   * Holds one grown tensor on the heap at a time.
   */
  public static void load(Session session, VariableStore parameters, Path checkpointDir) {
    parameters.initializeAll(session);
    try (Checkpoint checkpoint = Checkpoint.open(checkpointDir)) {
      for (VariableStore.Variable v : parameters.all()) {
        String name = v.spec().name();
        long[] shape = v.spec().shape();
        if (!checkpoint.contains(name)) {
          throw new io.liquidj.framework.UserError("checkpoint " + checkpointDir + " has no tensor \"" + name + "\"");
        }
        TensorInfo info = checkpoint.info(name);
        if (Arrays.equals(info.shape(), shape)) {
          parameters.load(session, checkpoint, n -> n.equals(name) ? n : null);
          continue;
        }
        boolean grown = shape.length == 2 && info.shape().length == 2 && info.shape()[1] == shape[1]
            && info.shape()[0] < shape[0];
        if (!grown) {
          throw new io.liquidj.framework.UserError("checkpoint tensor \"" + name + "\" has shape "
              + Arrays.toString(info.shape()) + ", expected " + Arrays.toString(shape));
        }
        int oldRows = Math.toIntExact(info.shape()[0]);
        int width = Math.toIntExact(shape[1]);
        float[] values = parameters.read(session, name);
        float[] old = new float[oldRows * width];
        Conversions.toFloats(checkpoint.bytes(name).order(ByteOrder.LITTLE_ENDIAN), info, old, 0);
        double[] mean = new double[width];
        for (int r = 0; r < oldRows; r++) {
          for (int c = 0; c < width; c++) {
            mean[c] += old[r * width + c] / (double) oldRows;
          }
        }
        System.arraycopy(old, 0, values, 0, old.length);
        for (int r = oldRows; r < shape[0]; r++) {
          for (int c = 0; c < width; c++) {
            values[r * width + c] += (float) mean[c];
          }
        }
        parameters.assign(session, name, values);
      }
    }
  }
}
