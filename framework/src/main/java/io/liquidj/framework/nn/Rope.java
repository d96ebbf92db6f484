package io.liquidj.framework.nn;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.ModelConfig.RopeSettings;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Rotary position embeddings with Hugging Face's rotate_half convention (halves, not interleaved pairs). */
public final class Rope {
  private Rope() {}

  /** The cosines and sines of one forward pass, each [B, T, head_dim] f32. */
  public record Table(Operand<TFloat32> cos, Operand<TFloat32> sin) {}

  /**
   * The inverse frequencies [head_dim / 2], in f32 as transformers computes them
   * ({@code _compute_default_rope_parameters} / {@code _compute_llama3_parameters} in modeling_rope_utils.py).
   */
  public static float[] inverseFrequencies(RopeSettings rope, int headDim) {
    float[] inv = new float[headDim / 2];
    for (int i = 0; i < inv.length; i++) {
      // 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim)), all in float32
      float exponent = (float) (2 * i) / (float) headDim;
      inv[i] = 1f / (float) Math.pow(rope.theta(), exponent);
    }
    return switch (rope.type()) {
      case "default" -> inv;
      case "llama3" -> llama3(inv, rope);
      default -> throw new UserError("rope type \"" + rope.type() + "\" is not supported; supported: default, llama3");
    };
  }

  /** Llama 3.1 frequency scaling: long wavelengths divided by factor, a smooth blend in between. */
  private static float[] llama3(float[] inv, RopeSettings rope) {
    float factor = (float) rope.factor();
    float low = (float) rope.lowFreqFactor();
    float high = (float) rope.highFreqFactor();
    float oldContext = rope.originalMaxPositionEmbeddings();
    float lowFreqWavelen = oldContext / low;
    float highFreqWavelen = oldContext / high;
    float[] out = new float[inv.length];
    for (int i = 0; i < inv.length; i++) {
      float wavelen = (float) (2 * Math.PI) / inv[i];
      // inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
      float scaled = wavelen > lowFreqWavelen ? inv[i] / factor : inv[i];
      // is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
      boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
      if (medium) {
        // smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
        float smooth = (oldContext / wavelen - low) / (high - low);
        // smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
        scaled = (1 - smooth) * scaled / factor + smooth * scaled;
      }
      out[i] = scaled;
    }
    return out;
  }

  /** positions: [B, T] int32 → cos and sin [B, T, head_dim] f32 (attention_scaling is 1 for default and llama3). */
  public static Table table(Ops tf, RopeSettings rope, int headDim, Operand<TInt32> positions) {
    Operand<TFloat32> inv = tf.constant(inverseFrequencies(rope, headDim));
    // freqs = inv_freq @ position_ids in float32 ("Force float32", transformers LlamaRotaryEmbedding.forward)
    Operand<TFloat32> freqs = tf.math.mul(tf.expandDims(tf.dtypes.cast(positions, TFloat32.class), tf.constant(-1)), inv);
    // emb = torch.cat((freqs, freqs), dim=-1)
    Operand<TFloat32> emb = tf.concat(List.of(freqs, freqs), tf.constant(-1));
    return new Table(tf.math.cos(emb), tf.math.sin(emb));
  }

  /** x: [B, N, T, head_dim] f32 → x·cos + rotate_half(x)·sin, same shape (apply_rotary_pos_emb, unsqueeze_dim=1). */
  public static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Table table) {
    Operand<TFloat32> cos = tf.expandDims(table.cos(), tf.constant(1));
    Operand<TFloat32> sin = tf.expandDims(table.sin(), tf.constant(1));
    return tf.math.add(tf.math.mul(x, cos), tf.math.mul(rotateHalf(tf, x), sin));
  }

  /** rotate_half: cat((-x2, x1), dim=-1) where x1, x2 are the two halves of the last axis. */
  private static Operand<TFloat32> rotateHalf(Ops tf, Operand<TFloat32> x) {
    // Split, not two strided slices: on CPU StridedSlice (and its gradient) of a [B,N,T,D] tensor cost ~7% of
    // a small model's training step; Split is a block copy and its gradient a concat.
    List<Output<TFloat32>> halves = tf.split(tf.constant(-1), x, 2L).output();
    return tf.concat(List.of(tf.math.neg(halves.get(1)), halves.get(0)), tf.constant(-1));
  }
}
