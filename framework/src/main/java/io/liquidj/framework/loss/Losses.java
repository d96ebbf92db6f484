package io.liquidj.framework.loss;

import io.liquidj.framework.backbone.MultimodalVocabulary;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceMax;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/** The training losses, as pure graph functions. */
public final class Losses {
  private Losses() {}

  /**
   * Next-token cross-entropy plus z-loss (maxtext's {@code cross_entropy_with_logits} returns the same
   * pair).
   *
   * <p>CE is {@code logsumexp(logits) − logits[target]} per position, averaged over the loss weights.
   * It is composed from differentiable ops: TensorFlow's SparseSoftmaxCrossEntropyWithLogits has no
   * registered gradient in TF Java 1.1.0's graph mode ({@code Graph.addGradients} fails on it).
   *
   * @param logits [B,T,V] f32
   * @param targets [B,T] int32
   * @param weights [B,T] f32, 1 where the target is trained on, 0 elsewhere
   * @param kind which z-loss
   * @param zLossWeight its weight in the total; 0 turns it off
   * @param vocabulary splits the reported CE into text and image targets; null: all text
   */
  public static LossParts crossEntropyWithZLoss(
      Ops tf,
      Operand<TFloat32> logits,
      Operand<TInt32> targets,
      Operand<TFloat32> weights,
      ZLoss kind,
      double zLossWeight,
      MultimodalVocabulary vocabulary) {
    Ops scope = tf.withSubScope("loss");
    Operand<TInt32> lastAxis = scope.constant(-1);
    // logsumexp with the max subtracted for stability; the max carries no gradient (softmax is shift-invariant).
    Operand<TFloat32> max = scope.reduceMax(logits, lastAxis, ReduceMax.keepDims(true)); // [B,T,1]
    Operand<TFloat32> maxStopped = scope.stopGradient(max);
    Operand<TFloat32> sumExp = scope.reduceSum(scope.math.exp(scope.math.sub(logits, maxStopped)), lastAxis);
    Operand<TFloat32> lse = scope.math.add(scope.math.log(sumExp), scope.squeeze(maxStopped)); // [B,T]

    Operand<TFloat32> targetLogit = gatherTargets(scope, logits, targets); // [B,T]
    Operand<TFloat32> ce = scope.math.sub(lse, targetLogit); // [B,T]

    Operand<TFloat32> weightSum = scope.reduceSum(weights, allAxes(scope));
    Operand<TFloat32> crossEntropy = weightedMean(scope, ce, weights);

    Operand<TFloat32> zPerPosition = kind == ZLoss.LOGSUMEXP
        ? scope.math.square(lse)
        : scope.math.square(scope.squeeze(max));
    Operand<TFloat32> zLoss = weightedMean(scope, zPerPosition, weights);
    Operand<TFloat32> total = zLossWeight == 0
        ? scope.identity(crossEntropy)
        : scope.math.add(crossEntropy, scope.math.mul(scope.constant((float) zLossWeight), zLoss));

    // The text/image split is reported only: no gradient is needed through it.
    Operand<TFloat32> ceReported = scope.stopGradient(ce);
    Operand<TFloat32> imageWeights;
    if (vocabulary == null) {
      imageWeights = scope.math.mul(weights, scope.constant(0f));
    } else {
      Operand<TInt32> code = scope.math.sub(targets, scope.constant(vocabulary.imageCodeOffset()));
      Operand<TFloat32> isImage = scope.dtypes.cast(
          scope.math.logicalAnd(
              scope.math.greaterEqual(code, scope.constant(0)),
              scope.math.less(code, scope.constant(vocabulary.numImageCodes()))),
          TFloat32.class);
      imageWeights = scope.math.mul(weights, isImage);
    }
    Operand<TFloat32> textWeights = scope.math.sub(weights, imageWeights);
    return new LossParts(
        scope.withName("total").identity(total),
        scope.withName("cross_entropy").identity(crossEntropy),
        scope.withName("z_loss").identity(zLoss),
        scope.withName("text_cross_entropy").identity(weightedMean(scope, ceReported, textWeights)),
        scope.withName("image_cross_entropy").identity(weightedMean(scope, ceReported, imageWeights)),
        scope.withName("weight_sum").identity(weightSum));
  }

  /**
   * logits[b,t,targets[b,t]] as [B,T], by a gather on the flattened logits (int64 indices: B·T·V can
   * pass 2^31). GatherV2's gradient scatters back into a dense [B·T·V] tensor.
   */
  private static Operand<TFloat32> gatherTargets(Ops tf, Operand<TFloat32> logits, Operand<TInt32> targets) {
    Operand<TInt64> shape = tf.shape(logits, TInt64.class); // [B,T,V]
    Operand<TInt64> vocab = tf.gather(shape, tf.constant(2), tf.constant(0));
    Operand<TInt64> rows = tf.reduceProd(tf.slice(shape, tf.constant(new int[] {0}), tf.constant(new int[] {2})),
        tf.constant(0));
    Operand<TInt64> rowStart = tf.math.mul(tf.range(tf.constant(0L), rows, tf.constant(1L)), vocab); // [B·T]
    Operand<TInt64> flatTargets = tf.reshape(tf.dtypes.cast(targets, TInt64.class), tf.constant(new long[] {-1}));
    Operand<TInt64> index = tf.math.add(rowStart, flatTargets);
    Operand<TFloat32> flatLogits = tf.reshape(logits, tf.constant(new long[] {-1}));
    Operand<TFloat32> picked = tf.gather(flatLogits, index, tf.constant(0));
    return tf.reshape(picked, tf.shape(targets));
  }

  /** Σ(x·w) / max(Σw, 1): 0 when nothing is weighted. */
  private static Operand<TFloat32> weightedMean(Ops tf, Operand<TFloat32> x, Operand<TFloat32> weights) {
    Operand<TFloat32> sum = tf.reduceSum(tf.math.mul(x, weights), allAxes(tf));
    Operand<TFloat32> count = tf.reduceSum(weights, allAxes(tf));
    return tf.math.div(sum, tf.math.maximum(count, tf.constant(1f)));
  }

  private static Operand<TInt32> allAxes(Ops tf) {
    return tf.constant(new int[] {0, 1});
  }
}
