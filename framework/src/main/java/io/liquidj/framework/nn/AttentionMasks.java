package io.liquidj.framework.nn;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/** Builds the {@code allowed} [B, T, S] masks and the positions of {@link io.liquidj.framework.backbone.ForwardInputs}. */
public final class AttentionMasks {
  private AttentionMasks() {}

  /**
   * segmentIds: [B, T] int32 (documents numbered from 1, 0 = padding) → [B, T, T] bool: query t may
   * see key s iff s ≤ t, both in the same document, and the document is not padding; a padding query
   * sees itself only, so no softmax row is empty (an all-masked row is meaningless, and with -inf
   * masking NaN, which a 0 loss weight does not cancel).
   */
  public static Operand<TBool> causalWithinSegments(Ops tf, Operand<TInt32> segmentIds) {
    Operand<TInt32> q = tf.expandDims(segmentIds, tf.constant(2));
    Operand<TInt32> k = tf.expandDims(segmentIds, tf.constant(1));
    Operand<TBool> same = tf.math.logicalAnd(tf.math.equal(q, k), tf.math.notEqual(k, tf.constant(0)));
    Operand<TInt32> idx = tf.range(tf.constant(0), Shapes.dim(tf, segmentIds, 1), tf.constant(1));
    Operand<TBool> diagonal = tf.expandDims(
        tf.math.equal(tf.expandDims(idx, tf.constant(0)), tf.expandDims(idx, tf.constant(1))), tf.constant(0));
    return tf.math.logicalAnd(tf.math.logicalOr(same, diagonal), causal(tf, segmentIds));
  }

  /**
   * attentionMask: [B, T] int32 (1 = token, 0 = padding, e.g. left padding) → [B, T, T] bool: causal,
   * and padding keys masked (transformers' causal mask combined with the 2-D attention_mask).
   */
  public static Operand<TBool> causalWithPadding(Ops tf, Operand<TInt32> attentionMask) {
    Operand<TBool> keyIsToken = tf.expandDims(tf.math.notEqual(attentionMask, tf.constant(0)), tf.constant(1));
    return tf.math.logicalAnd(causal(tf, attentionMask), keyIsToken);
  }

  /** ids: [B, T] → [B, T] int32 positions 0..T-1 (transformers' default position_ids). */
  public static Operand<TInt32> arangePositions(Ops tf, Operand<? extends TType> ids) {
    Operand<TInt32> t = Shapes.dim(tf, ids, 1);
    Operand<TInt32> row = tf.expandDims(tf.range(tf.constant(0), t, tf.constant(1)), tf.constant(0));
    return tf.math.add(row, tf.zeros(tf.shape(ids), TInt32.class));
  }

  /**
   * attentionMask: [B, T] int32 → positions counting only real tokens, 0 on padding (transformers
   * generate: {@code position_ids = attention_mask.cumsum(-1) - 1; masked_fill_(attention_mask == 0, 1)}
   * — here padding gets 0, which no real token attends to).
   */
  public static Operand<TInt32> positionsFromPadding(Ops tf, Operand<TInt32> attentionMask) {
    Operand<TInt32> counted = tf.math.sub(tf.math.cumsum(attentionMask, tf.constant(1)), tf.constant(1));
    return tf.math.maximum(counted, tf.constant(0));
  }

  /**
   * The mask of a decoding step over a KV cache: ids [B, T] are the new tokens written at
   * {@code cacheWriteIndex}; keyIsToken [B, S] int32 marks cache slots holding real tokens (left
   * padding 0, and slots at or after the write index may be anything) → [B, T, S] bool: key s is
   * allowed for new token t iff {@code s ≤ cacheWriteIndex + t} and it holds a real token.
   */
  public static Operand<TBool> overCache(
      Ops tf, Operand<? extends TType> ids, Operand<TInt32> cacheWriteIndex, Operand<TInt32> keyIsToken) {
    Operand<TInt32> t = Shapes.dim(tf, ids, 1);
    Operand<TInt32> s = Shapes.dim(tf, keyIsToken, 1);
    Operand<TInt32> queryAt = tf.math.add(tf.range(tf.constant(0), t, tf.constant(1)), cacheWriteIndex);
    Operand<TInt32> keyAt = tf.range(tf.constant(0), s, tf.constant(1));
    Operand<TBool> causal = tf.math.lessEqual(tf.expandDims(keyAt, tf.constant(0)),
        tf.expandDims(queryAt, tf.constant(1))); // [T, S]
    Operand<TBool> real = tf.expandDims(tf.math.notEqual(keyIsToken, tf.constant(0)), tf.constant(1)); // [B, 1, S]
    return tf.math.logicalAnd(tf.expandDims(causal, tf.constant(0)), real);
  }

  /** x: [B, T, ...] → [1, T, T] bool, key s ≤ query t. */
  private static Operand<TBool> causal(Ops tf, Operand<? extends TType> x) {
    Operand<TInt32> t = Shapes.dim(tf, x, 1);
    Operand<TInt32> idx = tf.range(tf.constant(0), t, tf.constant(1));
    Operand<TBool> lower = tf.math.lessEqual(tf.expandDims(idx, tf.constant(0)), tf.expandDims(idx, tf.constant(1)));
    return tf.expandDims(lower, tf.constant(0));
  }
}
