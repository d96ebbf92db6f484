package io.liquidj.framework.train;

import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.BatchSource;
import java.util.Random;

/**
 * A deterministic endless stream for tests: batch i is generated from (seed, i); rows are two packed
 * documents of a fixed next-token rule (t → (3t + 1) mod V) so a model can learn them.
 */
final class ListBatchSource {
  private ListBatchSource() {}

  static BatchSource of(int batch, int length, int vocab, long seed) {
    return TestBatches.indexed(index -> batch(batch, length, vocab, new Random(seed * 1_000_003L + index)));
  }

  private static Batch batch(int batch, int length, int vocab, Random random) {
    int n = batch * length;
    int[] ids = new int[n];
    int[] targets = new int[n];
    int[] positions = new int[n];
    int[] segments = new int[n];
    float[] weights = new float[n];
    for (int b = 0; b < batch; b++) {
      int split = length / 2;
      int token = random.nextInt(vocab);
      for (int t = 0; t < length; t++) {
        int i = b * length + t;
        if (t == split) {
          token = random.nextInt(vocab);
        }
        int next = (3 * token + 1) % vocab;
        ids[i] = token;
        targets[i] = next;
        positions[i] = t < split ? t : t - split;
        segments[i] = t < split ? 1 : 2;
        weights[i] = t == split - 1 || t == length - 1 ? 0f : 1f; // document ends are not trained
        token = next;
      }
    }
    return new Batch(batch, length, ids, targets, positions, segments, weights);
  }
}
