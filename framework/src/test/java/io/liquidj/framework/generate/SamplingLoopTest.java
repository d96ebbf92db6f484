package io.liquidj.framework.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.tf.VariableStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class SamplingLoopTest {
  static final int VOCAB = 24;
  private Graph graph;
  private Session session;
  private Ops tf;
  private TinyCacheBackbone backbone;
  private VariableStore store;

  @BeforeEach
  void setUp() {
    graph = new Graph();
    tf = Ops.create(graph);
    backbone = new TinyCacheBackbone(VOCAB, 8);
    store = new VariableStore(tf);
    store.createAll(backbone.parameters(), TestGraphs.randomNormal(1.0f));
    session = new Session(graph);
    store.initializeAll(session);
  }

  @AfterEach
  void tearDown() {
    session.close();
    graph.close();
  }

  @Test
  void incrementalGreedyMatchesFullRecomputationWithLeftPadding() {
    int[][] prompts = {{0, 0, 5, 6, 7}, {3, 4, 9, 6, 1}};
    int[][] mask = {{0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}};
    int[][] tokens = decode(prompts, mask, greedy(), spec(6, false, 0, 0));
    assertArrayEquals(fullGreedy(new int[] {5, 6, 7}, 6), tokens[0]);
    assertArrayEquals(fullGreedy(new int[] {3, 4, 9, 6, 1}, 6), tokens[1]);
  }

  @Test
  void sameSeedGivesSameTokensAndAnotherSeedOthers() {
    int[][] prompts = {{1, 2, 3}, {4, 5, 6}};
    int[][] mask = {{1, 1, 1}, {1, 1, 1}};
    SamplingSettings hot = new SamplingSettings(1, 1.5, 0, 1.0, 7);
    int[][] a = decode(prompts, mask, hot, spec(12, false, 0, 0));
    int[][] b = decode(prompts, mask, hot, spec(12, false, 0, 0));
    int[][] c = decode(prompts, mask, hot.withSeed(8), spec(12, false, 0, 0));
    assertArrayEquals(a, b);
    assertNotEquals(java.util.Arrays.deepToString(a), java.util.Arrays.deepToString(c));
  }

  @Test
  void stopTokenEndsItsRowAndLaterColumnsAreMinusOne() {
    int[][] prompts = {{0, 5, 6, 7}, {3, 4, 9, 6}};
    int[][] mask = {{0, 1, 1, 1}, {1, 1, 1, 1}};
    int[][] free = decode(prompts, mask, greedy(), spec(5, false, 0, 0));
    int stop = free[0][1];
    SamplingLoop.Spec spec = new SamplingLoop.Spec("stop", 5, false, 0, 0, new int[] {stop});
    int[][][] out = decodeWithLengths(prompts, mask, greedy(), spec);
    int firstStop = free[0][0] == stop ? 0 : 1;
    assertEquals(firstStop, out[1][0][0]);
    assertEquals(stop, out[0][0][firstStop]);
    for (int i = firstStop + 1; i < 5; i++) {
      assertEquals(-1, out[0][0][i]);
    }
  }

  @Test
  void guidanceScaleOneEqualsConditionalDecodingAndStaysInRange() {
    int[][] cond = {{0, 5, 6, 7}, {3, 4, 9, 6}};
    int[][] condMask = {{0, 1, 1, 1}, {1, 1, 1, 1}};
    int[][] both = {{0, 5, 6, 7}, {3, 4, 9, 6}, {0, 0, 11, 12}, {0, 0, 11, 12}};
    int[][] bothMask = {{0, 1, 1, 1}, {1, 1, 1, 1}, {0, 0, 1, 1}, {0, 0, 1, 1}};
    SamplingSettings s = new SamplingSettings(1.0, 0.0, 0, 1.0, 3);
    int[][] alone = decode(cond, condMask, s, spec(6, false, 10, 20));
    int[][] guided = decode(both, bothMask, s, spec(6, true, 10, 20));
    assertArrayEquals(alone, guided);
    for (int[] row : guided) {
      for (int t : row) {
        assertTrue(t >= 10 && t < 20, "token " + t + " outside [10,20)");
      }
    }
  }

  @Test
  void guidanceScaleChangesTheImage() {
    int[][] both = {{0, 5, 6, 7}, {0, 0, 11, 12}};
    int[][] bothMask = {{0, 1, 1, 1}, {0, 0, 1, 1}};
    int[][] one = decode(both, bothMask, new SamplingSettings(1.0, 0.0, 0, 1.0, 3), spec(8, true, 0, 0));
    int[][] many = decode(both, bothMask, new SamplingSettings(30.0, 0.0, 0, 1.0, 3), spec(8, true, 0, 0));
    assertEquals(1, one.length);
    assertNotEquals(java.util.Arrays.toString(one[0]), java.util.Arrays.toString(many[0]));
  }

  private static SamplingSettings greedy() {
    return new SamplingSettings(1, 0, 0, 1, 0);
  }

  private static int counter;

  private static SamplingLoop.Spec spec(int n, boolean guided, int from, int to) {
    return new SamplingLoop.Spec("decode" + (counter++), n, guided, from, to, new int[0]);
  }

  private int[][] decode(int[][] prompts, int[][] mask, SamplingSettings s, SamplingLoop.Spec spec) {
    return decodeWithLengths(prompts, mask, s, spec)[0];
  }

  private int[][][] decodeWithLengths(int[][] prompts, int[][] mask, SamplingSettings s, SamplingLoop.Spec spec) {
    SamplingLoop.Output out = new SamplingLoop(backbone, store, Precision.F32)
        .decode(tf, tf.constant(prompts), tf.constant(mask), SamplingInputs.constants(tf, s, s.seed()), spec);
    try (var r = session.runner().fetch(out.tokens()).fetch(out.lengths()).run()) {
      int[][] tokens = TestGraphs.toIntMatrix((TInt32) r.get(0));
      int[] lengths = TestGraphs.toIntVector((TInt32) r.get(1));
      return new int[][][] {tokens, {lengths}};
    }
  }

  /** Greedy by recomputing the whole sequence each step (no cache, no padding). */
  private int[] fullGreedy(int[] prompt, int n) {
    int[] seq = prompt.clone();
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      int t = seq.length;
      boolean[][][] allowed = new boolean[1][t][t];
      int[][] positions = new int[1][t];
      for (int q = 0; q < t; q++) {
        positions[0][q] = q;
        for (int k = 0; k <= q; k++) {
          allowed[0][q][k] = true;
        }
      }
      Operand<TFloat32> logits = backbone.forward(tf, store.weights(), ForwardInputs.full(
          tf.constant(new int[][] {seq}), tf.constant(positions), tf.constant(allowed))).logits();
      Operand<TInt32> next = tf.math.argMax(
          tf.stridedSlice(logits, org.tensorflow.ndarray.index.Indices.at(0), org.tensorflow.ndarray.index.Indices.at(-1)),
          tf.constant(0), TInt32.class);
      try (var r = session.runner().fetch(next).run()) {
        out[i] = ((TInt32) r.get(0)).getInt();
      }
      seq = java.util.Arrays.copyOf(seq, t + 1);
      seq[t] = out[i];
    }
    return out;
  }

}
