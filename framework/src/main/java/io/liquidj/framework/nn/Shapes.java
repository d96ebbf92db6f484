package io.liquidj.framework.nn;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/** Dynamic shapes for reshapes whose batch and sequence dimensions are only known at run time. */
public final class Shapes {
  private Shapes() {}

  /** shape(x)[:-1] int32. */
  public static Operand<TInt32> allButLast(Ops tf, Operand<? extends TType> x) {
    return tf.stridedSlice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {-1}),
        tf.constant(new int[] {1}));
  }

  /** The scalar int32 dimension {@code axis} of x (static when known, else from {@code tf.shape}). */
  public static Operand<TInt32> dim(Ops tf, Operand<? extends TType> x, int axis) {
    long known = x.shape().get(axis);
    if (known >= 0) {
      return tf.constant((int) known);
    }
    return tf.gather(tf.shape(x), tf.constant(axis), tf.constant(0));
  }

  /** A shape vector [int32] from scalar dims and constants (Integer or Operand&lt;TInt32&gt; scalars). */
  @SuppressWarnings("unchecked")
  public static Operand<TInt32> of(Ops tf, Object... dims) {
    List<Operand<TInt32>> parts = new ArrayList<>();
    for (Object d : dims) {
      parts.add(d instanceof Integer i ? tf.constant(i) : (Operand<TInt32>) d);
    }
    return tf.stack(parts);
  }
}
