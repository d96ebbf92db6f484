package io.liquidj.framework.loss;

import io.liquidj.framework.tf.Fetched;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;

/**
 * The named parts of the training loss, each a scalar f32.
 *
 * @param total what is minimised: crossEntropy + weight · zLoss
 * @param crossEntropy mean next-token cross-entropy over the weighted targets
 * @param zLoss the unweighted z-loss (mean of lse² or max²), reported even when its weight is 0
 * @param textCrossEntropy mean cross-entropy over weighted targets that are text tokens (0 if none)
 * @param imageCrossEntropy mean cross-entropy over weighted targets that are image codes (0 if none)
 * @param weightSum the sum of the loss weights (the number of trained targets)
 */
public record LossParts(
    Operand<TFloat32> total,
    Operand<TFloat32> crossEntropy,
    Operand<TFloat32> zLoss,
    Operand<TFloat32> textCrossEntropy,
    Operand<TFloat32> imageCrossEntropy,
    Operand<TFloat32> weightSum) {

  /** The parts' values after one run (same names). */
  public record Values(
      double total, double crossEntropy, double zLoss, double textCrossEntropy, double imageCrossEntropy,
      double weightSum) {}

  /** Adds every part to {@code runner}'s fetches; {@link #values} reads them back. */
  public Session.Runner fetchInto(Session.Runner runner) {
    return runner.fetch(total).fetch(crossEntropy).fetch(zLoss).fetch(textCrossEntropy).fetch(imageCrossEntropy)
        .fetch(weightSum);
  }

  /** The parts' values in a result of a run that {@link #fetchInto fetched} them. */
  public Values values(Result result) {
    return new Values(Fetched.scalar(result, total), Fetched.scalar(result, crossEntropy),
        Fetched.scalar(result, zLoss), Fetched.scalar(result, textCrossEntropy),
        Fetched.scalar(result, imageCrossEntropy), Fetched.scalar(result, weightSum));
  }
}
