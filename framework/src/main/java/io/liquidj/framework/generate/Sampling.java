package io.liquidj.framework.generate;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Cumsum;
import org.tensorflow.op.nn.TopK;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Next-token choice as pure graph functions of logits [B,V] f32. Every knob is an operand, so the
 * same functions serve a recipe (constants) and a SavedModel signature (inputs). A knob is a scalar
 * (the same for every row) or one value per row [B] (TensorFlow Serving's row format gives every
 * input a batch dimension); only the seed is per batch: a [B] seed draws with its first value.
 *
 * <p>Order as in Liquid's sampler (LlamaGen {@code sample}): guidance on raw logits, then
 * temperature, then top-k, then top-p, then a draw.
 */
public final class Sampling {
  private Sampling() {}

  /** What removes a token: its logit becomes -inf (probability exactly 0). */
  static final float REMOVED = Float.NEGATIVE_INFINITY;

  /**
   * Classifier-free guidance: {@code uncond + scale · (cond − uncond)} on raw logits.
   * cond, uncond: [n,V] → [n,V]
   */
  public static Operand<TFloat32> guidance(
      Ops tf, Operand<TFloat32> cond, Operand<TFloat32> uncond, Operand<TFloat32> scale) {
    return tf.math.add(uncond, tf.math.mul(column(tf, scale), tf.math.sub(cond, uncond)));
  }

  /**
   * Divides by the temperature; a temperature ≤ 0 (greedy) divides by 1e-5 as LlamaGen's
   * {@code max(temperature, 1e-5)}. logits [B,V] → [B,V]
   */
  public static Operand<TFloat32> temperature(Ops tf, Operand<TFloat32> logits, Operand<TFloat32> temperature) {
    return tf.math.div(logits, column(tf, tf.math.maximum(temperature, tf.constant(1e-5f))));
  }

  /**
   * Keeps the token ids in [from, to) (the image codes of {@link
   * io.liquidj.framework.backbone.MultimodalVocabulary}, or the text ids). logits [B,V] → [B,V]
   */
  public static Operand<TFloat32> restrictToRange(Ops tf, Operand<TFloat32> logits, int from, int to) {
    Operand<TInt32> ids = tf.range(tf.constant(0), tf.gather(tf.shape(logits), tf.constant(1), tf.constant(0)),
        tf.constant(1));
    Operand<TBool> inside = tf.math.logicalAnd(
        tf.math.greaterEqual(ids, tf.constant(from)), tf.math.less(ids, tf.constant(to)));
    return tf.select(tf.expandDims(inside, tf.constant(0)), logits, removed(tf, logits));
  }

  /**
   * Top-k then top-p (nucleus) filtering with one sort of k values per row, as transformers'
   * {@code top_k_top_p_filtering}: keep the k largest logits; of those, keep the smallest prefix
   * whose probability mass reaches p, i.e. token i (sorted descending) stays while the mass before
   * it is ≤ p, so the most likely token always stays. topK ≤ 0 means no top-k; topP ≥ 1 keeps
   * all k. Ties with the last kept logit are kept too. With k per row, one sort of the largest k
   * serves all rows and a row keeps only its own first k. logits [B,V] → [B,V]
   */
  public static Operand<TFloat32> topKTopP(
      Ops tf, Operand<TFloat32> logits, Operand<TInt32> topK, Operand<TFloat32> topP) {
    Operand<TInt32> vocab = tf.gather(tf.shape(logits), tf.constant(1), tf.constant(0));
    Operand<TInt32> k = tf.select(tf.math.greater(topK, tf.constant(0)), tf.math.minimum(topK, vocab), vocab); // [] or [B]
    Operand<TInt32> widest = tf.reduceMax(k, tf.range(tf.constant(0), tf.rank(k), tf.constant(1)));
    Operand<TFloat32> sorted = tf.nn.topK(logits, widest, new TopK.Options[0]).values(); // [B,K] descending
    Operand<TBool> inTopK = tf.math.less(
        tf.expandDims(tf.range(tf.constant(0), widest, tf.constant(1)), tf.constant(0)), column(tf, k)); // [B|1,K]
    Operand<TFloat32> probs = tf.nn.softmax(tf.select(inTopK, sorted, removed(tf, sorted)));
    Operand<TFloat32> massBefore = tf.math.cumsum(probs, tf.constant(1), Cumsum.exclusive(true));
    Operand<TBool> kept = tf.math.logicalAnd(inTopK, tf.math.lessEqual(massBefore, column(tf, topP)));
    // The smallest kept logit; every logit below it goes (the first column is always kept).
    Operand<TFloat32> threshold = tf.reduceMin(
        tf.select(kept, sorted, tf.fill(tf.shape(sorted), tf.constant(Float.POSITIVE_INFINITY))),
        tf.constant(1), org.tensorflow.op.core.ReduceMin.keepDims(true));
    return tf.select(tf.math.greaterEqual(logits, threshold), logits, removed(tf, logits));
  }

  /** The most likely token per row. logits [B,V] → [B] int32 */
  public static Operand<TInt32> greedy(Ops tf, Operand<TFloat32> logits) {
    return tf.math.argMax(logits, tf.constant(1), TInt32.class);
  }

  /**
   * One draw per row from softmax(logits), reproducible: the stateless seed is (seed, step), so the
   * same seed gives the same tokens in a recipe and in a reloaded SavedModel. logits [B,V] → [B] int32
   */
  public static Operand<TInt32> draw(Ops tf, Operand<TFloat32> logits, Operand<TInt64> seed, Operand<TInt32> step) {
    // A stateless draw takes one seed for the whole batch: a seed per row [B] draws with the first.
    Operand<TInt64> first = tf.gather(tf.reshape(seed, tf.constant(new int[] {-1})), tf.constant(0), tf.constant(0));
    Operand<TInt64> pair = tf.stack(java.util.List.of(first, tf.dtypes.cast(step, TInt64.class)));
    Operand<TInt32> drawn = tf.random.statelessMultinomial(logits, tf.constant(1), pair, TInt32.class);
    return tf.squeeze(drawn, org.tensorflow.op.core.Squeeze.axis(java.util.List.of(1L)));
  }

  /**
   * The full chain after guidance: temperature, top-k/top-p, then a seeded draw; a temperature ≤ 0
   * takes the argmax instead. logits [B,V] → [B] int32
   */
  public static Operand<TInt32> next(Ops tf, Operand<TFloat32> logits, SamplingInputs p, Operand<TInt32> step) {
    Operand<TFloat32> filtered = topKTopP(tf, temperature(tf, logits, p.temperature()), p.topK(), p.topP());
    Operand<TInt32> sampled = draw(tf, filtered, p.seed(), step);
    Operand<TBool> isGreedy = tf.math.lessEqual(p.temperature(), tf.constant(0f));
    return tf.select(isGreedy, greedy(tf, logits), sampled);
  }

  /** A knob as a column that broadcasts over the vocabulary: [] → [1,1], [B] → [B,1]. */
  private static <T extends org.tensorflow.types.family.TType> Operand<T> column(Ops tf, Operand<T> knob) {
    return tf.reshape(knob, tf.constant(new int[] {-1, 1}));
  }

  private static Operand<TFloat32> removed(Ops tf, Operand<TFloat32> like) {
    return tf.fill(tf.shape(like), tf.constant(REMOVED));
  }
}
