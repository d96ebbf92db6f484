package io.liquidj.framework.train;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;

/** The attention structure of packed training rows. */
public final class SegmentMasks {
  private SegmentMasks() {}

  /**
   * allowed[b,q,k] = k ≤ q ∧ segment[b,q] = segment[b,k] ∧ segment[b,q] &gt; 0, plus the diagonal: a
   * padding query attends to itself only, so no softmax row is empty (an all-masked row would give
   * NaN, which a 0 loss weight does not cancel).
   *
   * @param segmentIds [B,T] int32, 0 = padding
   * @return [B,T,T] bool
   */
  public static Operand<TBool> packedCausal(Ops tf, Operand<TInt32> segmentIds) {
    Ops scope = tf.withSubScope("attention_mask");
    Operand<TInt32> t = scope.gather(scope.shape(segmentIds), scope.constant(1), scope.constant(0));
    Operand<TInt32> index = scope.range(scope.constant(0), t, scope.constant(1)); // [T]
    Operand<TBool> causal = scope.math.lessEqual(
        scope.expandDims(index, scope.constant(0)), scope.expandDims(index, scope.constant(1))); // [T(q),T(k)]
    Operand<TBool> diagonal = scope.math.equal(
        scope.expandDims(index, scope.constant(0)), scope.expandDims(index, scope.constant(1)));
    Operand<TInt32> query = scope.expandDims(segmentIds, scope.constant(2)); // [B,T,1]
    Operand<TInt32> key = scope.expandDims(segmentIds, scope.constant(1)); // [B,1,T]
    Operand<TBool> sameDocument = scope.math.logicalAnd(
        scope.math.equal(query, key), scope.math.greater(query, scope.constant(0))); // [B,T,T]
    return scope.math.logicalAnd(causal, scope.math.logicalOr(sameDocument, diagonal));
  }
}
