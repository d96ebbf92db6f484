package io.liquidj.framework.generate;

import io.liquidj.framework.tf.VariableStore;
import org.tensorflow.types.TInt32;

/** Small helpers for generation tests: random weights and host copies of results. */
public final class TestGraphs {
  private TestGraphs() {}

  /** normal(0, stddev) weights, a different stream per variable name. */
  public static VariableStore.Initializer randomNormal(float stddev) {
    return (tf, spec) -> tf.math.mul(
        tf.random.statelessRandomNormal(tf.constant(spec.shape()), tf.constant(new long[] {17, spec.name().hashCode()})),
        tf.constant(stddev));
  }

  public static int[][] toIntMatrix(TInt32 t) {
    int rows = (int) t.shape().get(0);
    int cols = (int) t.shape().get(1);
    int[][] out = new int[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        out[i][j] = t.getInt(i, j);
      }
    }
    return out;
  }

  public static int[] toIntVector(TInt32 t) {
    int[] out = new int[(int) t.shape().get(0)];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getInt(i);
    }
    return out;
  }

}
