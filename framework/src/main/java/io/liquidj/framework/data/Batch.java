package io.liquidj.framework.data;

/**
 * One training batch of packed sequences, row-major [batch, length] arrays.
 *
 * <p>Several documents may share a row: {@code segmentIds} numbers them from 1 (0 = padding),
 * {@code positions} restart at 0 for each document, and attention never crosses documents. The
 * target at position t is the next token of the same document; {@code lossWeights} is 1 where that
 * target is trained on (e.g. image codes, {@code <eoi>} and {@code <eos>} for text→image pairs) and 0
 * elsewhere (prompts, document ends, padding).
 *
 * @param inputIds token ids
 * @param targetIds the token each position predicts (any valid id where the weight is 0)
 * @param positions rotary positions
 * @param segmentIds document index within the row, 0 for padding
 * @param lossWeights 1 or 0 per target
 */
public record Batch(
    int batch, int length, int[] inputIds, int[] targetIds, int[] positions, int[] segmentIds, float[] lossWeights) {
  public Batch {
    int n = batch * length;
    if (inputIds.length != n || targetIds.length != n || positions.length != n || segmentIds.length != n
        || lossWeights.length != n) {
      throw new IllegalArgumentException("every array must hold batch*length = " + n + " values");
    }
  }

  /** The number of targets trained on. */
  public int trainedTokens() {
    int n = 0;
    for (float w : lossWeights) {
      n += w > 0 ? 1 : 0;
    }
    return n;
  }
}
