package io.liquidj.framework.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;

class AttentionMasksTest {
  private static boolean[] run(java.util.function.Function<Ops, Operand<TBool>> build) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Operand<TBool> mask = build.apply(Ops.create(g));
      try (Result r = s.runner().fetch(mask).run()) {
        TBool t = (TBool) r.get(0);
        boolean[] out = new boolean[(int) t.shape().size()];
        for (int i = 0; i < out.length; i++) {
          out[i] = t.asRawTensor().data().asBooleans().getBoolean(i);
        }
        return out;
      }
    }
  }

  private static boolean[] bits(String rows) {
    String s = rows.replace(" ", "");
    boolean[] out = new boolean[s.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = s.charAt(i) == '1';
    }
    return out;
  }

  @Test
  void segmentsAttendCausallyWithinThemselvesAndPaddingOnlyToItself() {
    boolean[] allowed = run(tf -> AttentionMasks.causalWithinSegments(tf, tf.constant(new int[][] {{1, 1, 2, 2, 0}})));
    assertArrayEquals(bits("10000 11000 00100 00110 00001"), allowed);
  }

  @Test
  void leftPaddingIsNeverAKey() {
    boolean[] allowed = run(tf -> AttentionMasks.causalWithPadding(tf, tf.constant(new int[][] {{0, 1, 1}})));
    assertArrayEquals(bits("000 010 011"), allowed);
  }

  @Test
  void decodingStepSeesTheCacheUpToItsOwnSlot() {
    boolean[] allowed = run(tf -> AttentionMasks.overCache(tf, tf.constant(new int[][] {{7, 7}}), tf.constant(2),
        tf.constant(new int[][] {{0, 1, 1, 1, 1}})));
    assertArrayEquals(bits("01100 01110"), allowed);
  }

  @Test
  void positionsFromPaddingCountRealTokensOnly() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TInt32> positions = AttentionMasks.positionsFromPadding(tf, tf.constant(new int[][] {{0, 0, 1, 1, 1}}));
      try (Result r = s.runner().fetch(positions).run()) {
        int[] out = new int[5];
        ((TInt32) r.get(0)).asRawTensor().data().asInts().read(out);
        assertArrayEquals(new int[] {0, 0, 0, 1, 2}, out);
      }
    }
  }
}
