package io.liquidj.framework.nn;

import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.ParameterSpec.Init;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;

/**
 * Root-mean-square normalisation over the last axis, computed in f32: a family's norm, as transformers'
 * {@code LlamaRMSNorm(hidden_size, eps=config.rms_norm_eps)}.
 *
 * @param eps added to the mean square ({@code rms_norm_eps})
 * @param scale how the learned weight scales the normalised activations
 */
public record RmsNorm(double eps, Scale scale) {
  /** How the learned weight scales the normalised activations. */
  public enum Scale {
    /** {@code x̂ · w}, w initialised to ones (Llama, Qwen2: LlamaRMSNorm). */
    WEIGHT,
    /** {@code x̂ · (1 + w)}, w initialised to zeros (Gemma, Gemma-2: GemmaRMSNorm). */
    ONE_PLUS_WEIGHT
  }

  /**
   * The norm's weight [size]: ones when it scales by w, zeros when by (1 + w) (transformers GemmaRMSNorm:
   * {@code self.weight = nn.Parameter(torch.zeros(dim))}).
   */
  public ParameterSpec parameter(String name, long size) {
    return new ParameterSpec(name, new long[] {size}, scale == Scale.WEIGHT ? Init.ONES : Init.ZEROS);
  }

  /** x: [..., D] f32, weight: [D] f32 → [..., D] f32. */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32> weight) {
    // variance = x.pow(2).mean(-1, keepdim=True); x * rsqrt(variance + eps), in float32 (transformers LlamaRMSNorm.forward)
    Operand<TFloat32> variance = tf.math.mean(tf.math.square(x), tf.constant(-1), Mean.keepDims(true));
    Operand<TFloat32> normed = tf.math.mul(x, tf.math.rsqrt(tf.math.add(variance, tf.constant((float) eps))));
    Operand<TFloat32> w = scale == Scale.WEIGHT
        ? weight
        // output * (1.0 + self.weight.float()): Gemma adds one to the stored weight (transformers GemmaRMSNorm.forward)
        : tf.math.add(tf.constant(1f), weight);
    return tf.math.mul(normed, w);
  }
}
