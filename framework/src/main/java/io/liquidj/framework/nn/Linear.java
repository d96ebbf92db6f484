package io.liquidj.framework.nn;

import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.ParameterSpec.Init;
import io.liquidj.framework.tf.Weights;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/** A projection {@code x·Wᵀ (+ bias)} with the weight in Hugging Face's {@code nn.Linear} layout [out, in]. */
public final class Linear {
  private Linear() {}

  /** Projection {@code name}'s parameters: {@code name.weight} [out, in] and, with a bias, {@code name.bias} [out]. */
  public static List<ParameterSpec> parameters(String name, long out, long in, boolean bias) {
    ParameterSpec weight = new ParameterSpec(name + ".weight", new long[] {out, in});
    return bias ? List.of(weight, new ParameterSpec(name + ".bias", new long[] {out}, Init.ZEROS)) : List.of(weight);
  }

  /** x: [..., in] → [..., out] through projection {@code name}'s weight (and its bias when {@code bias}). */
  public static Operand<TFloat32> apply(
      Ops tf, Weights w, String name, Operand<TFloat32> x, boolean bias, Precision precision) {
    return apply(tf, x, w.get(name + ".weight"), bias ? w.get(name + ".bias") : null, precision);
  }

  /**
   * x: [..., in] f32, weight: [out, in] f32, bias: [out] f32 or null → [..., out] f32.
   *
   * <p>With {@link Precision#BF16} x and W are cast to bf16 for the matmul and the product back to
   * f32; the bias is added in f32.
   */
  public static Operand<TFloat32> apply(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> weight, Operand<TFloat32> bias, Precision precision) {
    long in = weight.shape().get(1);
    long out = weight.shape().get(0);
    // [..., in] → [N, in]: MatMul is the best-supported op for both the forward pass and its gradient.
    Operand<TFloat32> flat = tf.reshape(x, tf.constant(new long[] {-1, in}));
    Operand<TFloat32> y = oneTokenPerRow(x)
        ? tf.linalg.transpose(matMulTransposed(tf, weight, flat, precision), tf.constant(new int[] {1, 0}))
        : matMulTransposed(tf, flat, weight, precision);
    if (bias != null) {
      y = tf.math.add(y, bias);
    }
    Operand<TInt32> leading = Shapes.allButLast(tf, x);
    return tf.reshape(y, tf.concat(java.util.List.of(leading, tf.constant(new int[] {(int) out})), tf.constant(0)));
  }

  /**
   * Whether x [..., T, in] is one token per row (a KV-cache decoding step: T = 1 statically). Then the
   * product is computed as (W·xᵀ)ᵀ: the decoding loop's body runs TensorFlow's Eigen MatMul (the oneDNN
   * rewrite does not reach while-loop functions), whose x·Wᵀ kernel re-packs all of W through strided reads
   * on every call: measured 106 ms vs 10.6 ms for a [2, 2048]·[8192, 2048]ᵀ product on 2 CPU cores.
   */
  private static boolean oneTokenPerRow(Operand<TFloat32> x) {
    Shape shape = x.shape();
    return shape.numDimensions() >= 3 && shape.get(shape.numDimensions() - 2) == 1;
  }

  /** a: [N, in] f32, b: [M, in] f32 → a·bᵀ [N, M] f32, the product in the precision's matmul dtype. */
  public static Operand<TFloat32> matMulTransposed(
      Ops tf, Operand<TFloat32> a, Operand<TFloat32> b, Precision precision) {
    if (precision == Precision.F32) {
      return tf.linalg.matMul(a, b, MatMul.transposeB(true));
    }
    Class<? extends TFloating> type = precision.matmulType();
    return tf.dtypes.cast(matMulAs(tf, a, b, type), TFloat32.class);
  }

  private static <T extends TFloating> Operand<T> matMulAs(
      Ops tf, Operand<TFloat32> a, Operand<TFloat32> b, Class<T> type) {
    return tf.linalg.matMul(castTo(tf, a, type), castTo(tf, b, type), MatMul.transposeB(true));
  }

  /**
   * x as {@code type}: when x is itself a cast from {@code type} (a bf16 variable's f32 read, {@link
   * io.liquidj.framework.tf.VariableStore}) the cast's input, exactly equal and never materialised in f32;
   * else a Cast.
   */
  @SuppressWarnings("unchecked")
  static <T extends TFloating> Operand<T> castTo(Ops tf, Operand<TFloat32> x, Class<T> type) {
    Operand<?> stored = uncast(x);
    return stored.type() == type ? (Operand<T>) stored : tf.dtypes.cast(x, type);
  }

  /** The input of x when x is a Cast to f32 from bf16 (a bf16 variable's read), else x itself. */
  static Operand<?> uncast(Operand<TFloat32> x) {
    if (x.op() instanceof GraphOperation op && op.type().equals("Cast") && op.input(0).type() == TBfloat16.class) {
      return op.input(0);
    }
    return x;
  }
}
