package io.liquidj.tokenizers.patchvq;

import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.Weights;
import io.liquidj.framework.tokenizer.CodesToPixels;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The patch VQ's decoder as a graph function: each code is replaced by its codebook entry, a patch of
 * pixels, and the patches are laid out on the code grid. Its one parameter is {@code patch_vq.codebook},
 * [n_embed, patch, patch, 3] in [-1, 1], stored as {@code codebook} in {@code model.safetensors}.
 */
public final class PatchVq implements CodesToPixels {
  /** The variable-name prefix in front of the weight file's tensor names. */
  public static final String PREFIX = "patch_vq.";

  /** The codebook's tensor name in {@code model.safetensors}. */
  public static final String CODEBOOK = "codebook";

  private final PatchVqConfig config;

  public PatchVq(PatchVqConfig config) {
    this.config = config;
  }

  /** The codebook's shape: [n_embed, patch, patch, 3]. */
  public long[] codebookShape() {
    return new long[] {config.nEmbed(), config.patchSize(), config.patchSize(), 3};
  }

  @Override
  public Operand<TFloat32> decode(Ops tf, Weights weights, Operand<TInt32> codes, Operand<TInt32> h, Operand<TInt32> w) {
    Operand<TInt32> p = tf.constant(config.patchSize());
    Operand<TInt32> three = tf.constant(3);
    Operand<TInt32> batch = tf.constant(-1);
    Operand<TFloat32> patches = tf.gather(weights.get(PREFIX + CODEBOOK), codes, tf.constant(0)); // [n, h·w, p, p, 3]
    Operand<TFloat32> grid = tf.reshape(patches, tf.stack(List.of(batch, h, w, p, p, three))); // [n, h, w, py, px, c]
    Operand<TFloat32> nchw = tf.linalg.transpose(grid, tf.constant(new int[] {0, 5, 1, 3, 2, 4})); // [n, c, h, py, w, px]
    return tf.reshape(nchw, tf.stack(List.of(batch, three, tf.math.mul(h, p), tf.math.mul(w, p))));
  }

  @Override
  public List<ParameterSpec> parameters() {
    return List.of(new ParameterSpec(PREFIX + CODEBOOK, codebookShape(), ParameterSpec.Init.ZEROS));
  }

  @Override
  public String weightName(String variableName) {
    return variableName.startsWith(PREFIX) ? variableName.substring(PREFIX.length()) : null;
  }

  @Override
  public int codebookSize() {
    return config.nEmbed();
  }

  @Override
  public int downsampleFactor() {
    return config.patchSize();
  }
}
