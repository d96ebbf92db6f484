package io.liquidj.framework.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tensorflow.EagerSession;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class SamplingTest {
  private static final float X = Float.NEGATIVE_INFINITY;
  private EagerSession session;
  private Ops tf;

  @BeforeEach
  void setUp() {
    session = EagerSession.create();
    tf = Ops.create(session);
  }

  @AfterEach
  void tearDown() {
    session.close();
  }

  /** log of a known distribution, so softmax gives it back exactly enough. */
  private Operand<TFloat32> logits(float... probs) {
    float[] l = new float[probs.length];
    for (int i = 0; i < l.length; i++) {
      l[i] = (float) Math.log(probs[i]);
    }
    return tf.constant(new float[][] {l});
  }

  private float[] row(Operand<TFloat32> x) {
    TFloat32 t = x.asTensor();
    float[] out = new float[(int) t.shape().get(1)];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getFloat(0, i);
    }
    return out;
  }

  private boolean[] kept(Operand<TFloat32> filtered) {
    float[] r = row(filtered);
    boolean[] k = new boolean[r.length];
    for (int i = 0; i < r.length; i++) {
      k[i] = r[i] != X;
    }
    return k;
  }

  @Test
  void topPKeepsExactlyTheNucleus() {
    // Sorted mass before each token: 0, .5, .8, .95 → with p = 0.7 tokens 0 and 1 (mass .8 ≥ 0.7 reached at 1).
    Operand<TFloat32> l = logits(0.15f, 0.5f, 0.05f, 0.3f);
    assertArrayEquals(new boolean[] {false, true, false, true},
        kept(Sampling.topKTopP(tf, l, tf.constant(0), tf.constant(0.7f))));
    assertArrayEquals(new boolean[] {true, true, false, true},
        kept(Sampling.topKTopP(tf, l, tf.constant(0), tf.constant(0.9f))));
    assertArrayEquals(new boolean[] {true, true, true, true},
        kept(Sampling.topKTopP(tf, l, tf.constant(0), tf.constant(1f))));
  }

  @Test
  void topPAlwaysKeepsTheMostLikelyToken() {
    Operand<TFloat32> l = logits(0.15f, 0.5f, 0.05f, 0.3f);
    assertArrayEquals(new boolean[] {false, true, false, false},
        kept(Sampling.topKTopP(tf, l, tf.constant(0), tf.constant(0f))));
  }

  @Test
  void topKKeepsTheKLargestAndZeroMeansAll() {
    Operand<TFloat32> l = logits(0.15f, 0.5f, 0.05f, 0.3f);
    assertArrayEquals(new boolean[] {false, true, false, true},
        kept(Sampling.topKTopP(tf, l, tf.constant(2), tf.constant(1f))));
    assertArrayEquals(new boolean[] {true, true, true, true},
        kept(Sampling.topKTopP(tf, l, tf.constant(0), tf.constant(1f))));
    assertArrayEquals(new boolean[] {true, true, true, true},
        kept(Sampling.topKTopP(tf, l, tf.constant(4096), tf.constant(1f))));
  }

  @Test
  void topPAppliesWithinTheTopK() {
    // top-2 renormalises to .625/.375: mass before the second is .625 > 0.6 → only the first stays.
    Operand<TFloat32> l = logits(0.15f, 0.5f, 0.05f, 0.3f);
    assertArrayEquals(new boolean[] {false, true, false, false},
        kept(Sampling.topKTopP(tf, l, tf.constant(2), tf.constant(0.6f))));
  }

  @Test
  void knobsGivenPerRowActAsEachRowsOwnScalar() {
    // Three rows of one distribution, each with its own top-k and top-p (TensorFlow Serving's row format).
    Operand<TFloat32> l = tf.tile(logits(0.15f, 0.5f, 0.05f, 0.3f), tf.constant(new int[] {3, 1}));
    Operand<TFloat32> filtered = Sampling.topKTopP(tf, l, tf.constant(new int[] {2, 0, 2}),
        tf.constant(new float[] {0.6f, 0.9f, 1f}));
    assertArrayEquals(new boolean[] {false, true, false, false}, kept(rowOf(filtered, 0)));
    assertArrayEquals(new boolean[] {true, true, false, true}, kept(rowOf(filtered, 1)));
    assertArrayEquals(new boolean[] {false, true, false, true}, kept(rowOf(filtered, 2)));
    Operand<TFloat32> two = tf.constant(new float[][] {{1f, -2f}, {1f, -2f}});
    Operand<TFloat32> scaled = Sampling.temperature(tf, two, tf.constant(new float[] {0.5f, 1f}));
    assertArrayEquals(new float[] {2f, -4f}, row(rowOf(scaled, 0)), 1e-6f);
    assertArrayEquals(new float[] {1f, -2f}, row(rowOf(scaled, 1)), 1e-6f);
    Operand<TFloat32> guided = Sampling.guidance(tf, two, tf.zerosLike(two), tf.constant(new float[] {3f, 1f}));
    assertArrayEquals(new float[] {3f, -6f}, row(rowOf(guided, 0)), 1e-6f);
    assertArrayEquals(new float[] {1f, -2f}, row(rowOf(guided, 1)), 1e-6f);
  }

  private Operand<TFloat32> rowOf(Operand<TFloat32> x, int i) {
    return tf.slice(x, tf.constant(new int[] {i, 0}), tf.constant(new int[] {1, -1}));
  }

  @Test
  void guidanceIsUncondPlusScaleTimesDifference() {
    Operand<TFloat32> cond = tf.constant(new float[][] {{1f, 2f, -1f}});
    Operand<TFloat32> uncond = tf.constant(new float[][] {{0.5f, 3f, -1f}});
    assertArrayEquals(new float[] {4f, -4f, -1f}, row(Sampling.guidance(tf, cond, uncond, tf.constant(7f))), 1e-6f);
  }

  @Test
  void temperatureDividesLogits() {
    assertArrayEquals(new float[] {2f, -4f},
        row(Sampling.temperature(tf, tf.constant(new float[][] {{1f, -2f}}), tf.constant(0.5f))), 1e-6f);
  }

  @Test
  void restrictionToAnIdRangeRemovesEverythingElse() {
    Operand<TFloat32> l = tf.constant(new float[][] {{5f, 1f, 2f, 3f, 9f}});
    assertArrayEquals(new float[] {X, 1f, 2f, X, X}, row(Sampling.restrictToRange(tf, l, 1, 3)), 0f);
  }

  @Test
  void seededDrawsRepeatAndDependOnSeedAndStep() {
    Operand<TFloat32> l = tf.constant(new float[32][64]); // uniform over 64 ids, 32 rows
    int[] a = ints(Sampling.draw(tf, l, tf.constant(5L), tf.constant(0)));
    int[] b = ints(Sampling.draw(tf, l, tf.constant(5L), tf.constant(0)));
    int[] c = ints(Sampling.draw(tf, l, tf.constant(6L), tf.constant(0)));
    int[] d = ints(Sampling.draw(tf, l, tf.constant(5L), tf.constant(1)));
    assertArrayEquals(a, b);
    assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(d));
  }

  @Test
  void drawsOnlyKeptTokensAndZeroTemperatureIsGreedy() {
    Operand<TFloat32> l = logits(0.15f, 0.5f, 0.05f, 0.3f);
    Operand<TFloat32> many = tf.tile(l, tf.constant(new int[] {200, 1}));
    SamplingInputs nucleus = new SamplingInputs(
        tf.constant(1L), tf.constant(1f), tf.constant(0), tf.constant(0.7f), tf.constant(1f));
    for (int t : ints(Sampling.next(tf, many, nucleus, tf.constant(0)))) {
      assertEquals(true, t == 1 || t == 3, "drew token " + t + " outside the nucleus {1, 3}");
    }
    SamplingInputs greedy = new SamplingInputs(
        tf.constant(1L), tf.constant(0f), tf.constant(0), tf.constant(1f), tf.constant(1f));
    for (int t : ints(Sampling.next(tf, many, greedy, tf.constant(0)))) {
      assertEquals(1, t);
    }
  }

  private static int[] ints(Operand<TInt32> x) {
    TInt32 t = x.asTensor();
    int[] out = new int[(int) t.shape().get(0)];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getInt(i);
    }
    return out;
  }
}
