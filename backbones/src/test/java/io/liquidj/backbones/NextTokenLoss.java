package io.liquidj.backbones;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.Sum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** The fixtures' loss: mean next-token cross-entropy and mean logsumexp² over the T-1 shifted positions. */
public final class NextTokenLoss {
  private NextTokenLoss() {}

  /** logits [B, T, V] f32, ids [B, T], V → {loss, zloss} scalars. */
  @SuppressWarnings("unchecked")
  public static Operand<TFloat32>[] lossAndZLoss(Ops tf, Operand<TFloat32> logits, Operand<TInt32> ids, int vocab) {
    Operand<TFloat32> shifted = tf.stridedSlice(logits, Indices.all(), Indices.slice(0, -1), Indices.all());
    Operand<TInt32> targets = tf.stridedSlice(ids, Indices.all(), Indices.sliceFrom(1));
    Operand<TFloat32> max = tf.stopGradient(tf.max(shifted, tf.constant(-1), Max.keepDims(true)));
    Operand<TFloat32> sumExp = tf.sum(tf.math.exp(tf.math.sub(shifted, max)), tf.constant(-1), Sum.keepDims(true));
    Operand<TFloat32> lse = tf.squeeze(tf.math.add(tf.math.log(sumExp), max),
        org.tensorflow.op.core.Squeeze.axis(java.util.List.of(-1L)));
    Operand<TFloat32> oneHot = tf.oneHot(targets, tf.constant(vocab), tf.constant(1f), tf.constant(0f));
    Operand<TFloat32> target = tf.sum(tf.math.mul(shifted, oneHot), tf.constant(-1));
    Operand<TFloat32> loss = tf.math.mean(tf.math.sub(lse, target), tf.constant(new int[] {0, 1}));
    Operand<TFloat32> zLoss = tf.math.mean(tf.math.square(lse), tf.constant(new int[] {0, 1}));
    return new Operand[] {loss, zLoss};
  }
}
