package io.liquidj.framework.generate;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The sampling knobs as graph operands (placeholders in a SavedModel signature, constants elsewhere):
 * each a scalar, or one value per row [n] as TensorFlow Serving's row format sends them.
 *
 * @param seed int64: with the step, the stateless seed of each draw (per batch: of [n], the first)
 * @param temperature f32: ≤ 0 means greedy
 * @param topK int32: ≤ 0 means no top-k
 * @param topP f32: ≥ 1 means no nucleus filtering
 * @param guidanceScale f32: classifier-free guidance scale s (used only by guided decoding)
 */
public record SamplingInputs(
    Operand<TInt64> seed,
    Operand<TFloat32> temperature,
    Operand<TInt32> topK,
    Operand<TFloat32> topP,
    Operand<TFloat32> guidanceScale) {

  /** Constants from settings. */
  public static SamplingInputs constants(Ops tf, SamplingSettings s, long seed) {
    return new SamplingInputs(
        tf.constant(seed),
        tf.constant((float) s.temperature()),
        tf.constant(s.topK()),
        tf.constant((float) s.topP()),
        tf.constant((float) s.guidanceScale()));
  }

  /** The five operands in the order {@link #of} takes them back (for while-loop variables). */
  public java.util.List<Operand<?>> asList() {
    return java.util.List.of(seed, temperature, topK, topP, guidanceScale);
  }

  /** The inverse of {@link #asList} over loop-variable operands. */
  @SuppressWarnings("unchecked")
  public static SamplingInputs of(java.util.List<? extends Operand<?>> five) {
    return new SamplingInputs(
        (Operand<TInt64>) five.get(0),
        (Operand<TFloat32>) five.get(1),
        (Operand<TInt32>) five.get(2),
        (Operand<TFloat32>) five.get(3),
        (Operand<TFloat32>) five.get(4));
  }
}
