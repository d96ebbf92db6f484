package io.liquidj.framework.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.liquidj.framework.backbone.MultimodalVocabulary;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class LossesTest {
  // [B=1, T=3, V=4]
  private static final float[][][] LOGITS = {{{1f, 2f, 0.5f, -1f}, {0f, 0f, 3f, 1f}, {2f, -2f, 1f, 4f}}};
  private static final int[][] TARGETS = {{1, 2, 3}};
  private static final float[][] WEIGHTS = {{1f, 1f, 0f}};
  // image codes: ids 2 and 3 (offset 2, 2 codes)
  private static final MultimodalVocabulary VOCAB = new MultimodalVocabulary(2, 2, 0, 0, 0, 4);

  private static double lse(float[] row) {
    double max = Double.NEGATIVE_INFINITY;
    for (float x : row) {
      max = Math.max(max, x);
    }
    double sum = 0;
    for (float x : row) {
      sum += Math.exp(x - max);
    }
    return max + Math.log(sum);
  }

  private static double max(float[] row) {
    double m = Double.NEGATIVE_INFINITY;
    for (float x : row) {
      m = Math.max(m, x);
    }
    return m;
  }

  private float[] evaluate(ZLoss kind, double weight, boolean gradient) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> logits = tf.constant(LOGITS);
      LossParts parts = Losses.crossEntropyWithZLoss(tf, logits, tf.constant(TARGETS), tf.constant(WEIGHTS),
          kind, weight, VOCAB);
      var runner = s.runner().fetch(parts.total()).fetch(parts.crossEntropy()).fetch(parts.zLoss())
          .fetch(parts.textCrossEntropy()).fetch(parts.imageCrossEntropy());
      if (gradient) {
        runner.fetch(tf.gradients(parts.total(), List.of(logits)).dy(0));
      }
      try (Result r = runner.run()) {
        float[] out = new float[gradient ? 5 + 12 : 5];
        for (int i = 0; i < 5; i++) {
          out[i] = ((TFloat32) r.get(i)).getFloat();
        }
        if (gradient) {
          ((TFloat32) r.get(5)).asRawTensor().data().asFloats().read(out, 5, 12);
        }
        return out;
      }
    }
  }

  @Test
  void crossEntropyIsLogsumexpMinusTargetLogitOverWeightedTargets() {
    double ce0 = lse(LOGITS[0][0]) - LOGITS[0][0][1];
    double ce1 = lse(LOGITS[0][1]) - LOGITS[0][1][2];
    float[] r = evaluate(ZLoss.LOGSUMEXP, 0, false);
    assertEquals((ce0 + ce1) / 2, r[1], 1e-5);
    assertEquals(r[1], r[0], 1e-6); // weight 0: total = CE
    assertEquals(ce0, r[3], 1e-5); // target 1 is text
    assertEquals(ce1, r[4], 1e-5); // target 2 is an image code
  }

  /** With {@code kind} at {@code weight}, the z-loss part is {@code z} and the total is CE + weight·z. */
  private void assertZLoss(ZLoss kind, double weight, double z, double tolerance) {
    float[] r = evaluate(kind, weight, false);
    assertEquals(z, r[2], tolerance);
    assertEquals(r[1] + weight * z, r[0], tolerance / 10);
  }

  @Test
  void logsumexpZLossIsMeanSquaredLogNormaliser() {
    assertZLoss(ZLoss.LOGSUMEXP, 1e-2, (Math.pow(lse(LOGITS[0][0]), 2) + Math.pow(lse(LOGITS[0][1]), 2)) / 2, 1e-4);
  }

  @Test
  void maxLogitZLossIsMeanSquaredMaxLogit() {
    assertZLoss(ZLoss.MAX_LOGIT, 2e-4, (Math.pow(max(LOGITS[0][0]), 2) + Math.pow(max(LOGITS[0][1]), 2)) / 2, 1e-5);
  }

  @Test
  void gradientIsSoftmaxMinusOneHotOverWeightSum() {
    float[] r = evaluate(ZLoss.LOGSUMEXP, 0, true);
    for (int t = 0; t < 3; t++) {
      double lse = lse(LOGITS[0][t]);
      for (int v = 0; v < 4; v++) {
        double softmax = Math.exp(LOGITS[0][t][v] - lse);
        double expected = WEIGHTS[0][t] * (softmax - (v == TARGETS[0][t] ? 1 : 0)) / 2;
        assertEquals(expected, r[5 + t * 4 + v], 1e-6, "t=" + t + " v=" + v);
      }
    }
  }
}
