package io.liquidj.framework.train;

/**
 * What one optimizer step measured (losses averaged over its micro-batches).
 *
 * @param step the 0-based index of the step
 * @param applied whether the update was applied (false: non-finite loss or gradients, skipped)
 * @param tokens input tokens processed (batch · length · micro-batches)
 * @param seconds wall time of the step
 */
public record StepResult(
    int step,
    double loss,
    double crossEntropy,
    double zLoss,
    double textCrossEntropy,
    double imageCrossEntropy,
    double gradNorm,
    double learningRate,
    boolean applied,
    long tokens,
    double seconds) {

  public double tokensPerSecond() {
    return tokens / seconds;
  }
}
