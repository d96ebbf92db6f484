package io.liquidj.framework.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.liquidj.framework.backbone.Precision;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class LinearTest {
  /** A bf16 variable's read feeds the bf16 matmul itself: the weight is never materialised in f32. */
  @Test
  void aBf16WeightFeedsTheMatmulWithoutAnF32Copy() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      io.liquidj.framework.tf.VariableStore store = new io.liquidj.framework.tf.VariableStore(tf);
      store.create(new io.liquidj.framework.tf.ParameterSpec("w.weight", new long[] {4, 5}),
          io.liquidj.framework.tf.VariableStore.ZEROS, org.tensorflow.types.TBfloat16.class);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(3, 5)));
      Operand<TFloat32> y = Linear.apply(tf, store.weights(), "w", x, false, Precision.BF16);
      org.tensorflow.GraphOperation matMul = (org.tensorflow.GraphOperation) ((org.tensorflow.GraphOperation)
          ((org.tensorflow.GraphOperation) y.op()).input(0).op()).input(0).op(); // reshape ← cast ← MatMul
      assertEquals("MatMul", matMul.type());
      assertEquals("ReadVariableOp", matMul.input(1).op().type());
    }
  }

  /** x·Wᵀ + b for x [2,1,5] (one token per row: the decoding form) and x [2,3,5], against a plain loop. */
  @Test
  void bothProductFormsComputeXTimesWTransposedPlusBias() {
    for (Precision precision : Precision.values()) {
      for (int tokens : new int[] {1, 3}) {
        int rows = 2;
        int in = 5;
        int out = 4;
        float[] x = values(rows * tokens * in, 0.3f);
        float[] w = values(out * in, -0.2f);
        float[] b = values(out, 0.1f);
        try (Graph g = new Graph(); Session s = new Session(g)) {
          Ops tf = Ops.create(g);
          // A placeholder with the static shape: [2,1,5] takes the (W·xᵀ)ᵀ path, [2,3,5] the x·Wᵀ one.
          Placeholder<TFloat32> input = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(rows, tokens, in)));
          Operand<TFloat32> y = Linear.apply(tf, input,
              tf.constant(NdArrays.wrap(Shape.of(out, in),
                  DataBuffers.of(w, true, false))),
              tf.constant(b), precision);
          try (TFloat32 xs = TFloat32.tensorOf(Shape.of(rows, tokens, in), DataBuffers.of(x, true, false));
              Result result = s.runner().feed(input, xs).fetch(y).run()) {
            TFloat32 got = (TFloat32) result.get(0);
            assertEquals(Shape.of(rows, tokens, out), got.shape());
            double tolerance = precision == Precision.F32 ? 1e-6 : 2e-2;
            for (int r = 0; r < rows * tokens; r++) {
              for (int o = 0; o < out; o++) {
                double expected = b[o];
                for (int i = 0; i < in; i++) {
                  expected += x[r * in + i] * w[o * in + i];
                }
                assertEquals(expected, got.getFloat(r / tokens, r % tokens, o), tolerance,
                    precision + ", " + tokens + " token(s) per row, y[" + r + "][" + o + "]");
              }
            }
          }
        }
      }
    }
  }

  private static float[] values(int n, float scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = scale * (float) Math.sin(1.7 * i + 0.3);
    }
    return v;
  }
}
