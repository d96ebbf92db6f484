package io.liquidj.framework.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.VariableStore;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class AdamWTest {
  @Test
  void twoStepsMatchTheAdamWFormulaWithDecoupledDecay() {
    float[] w0 = {1f, -2f, 0.5f};
    float[] g = {0.1f, 0.2f, -0.3f}; // loss = Σ g·w, so the gradient is g at every step
    double lr = 0.1;
    double wd = 0.5;
    double b1 = 0.9;
    double b2 = 0.99;
    double eps = 1e-8;
    float[] actual;
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      VariableStore params = new VariableStore(tf);
      params.create(new ParameterSpec("w", new long[] {3}), (ops, s) -> ops.constant(w0));
      VariableStore slots = new VariableStore(tf);
      AdamW adam = new AdamW(tf, new OptimizerSettings(b1, b2, eps, wd, List.of(Pattern.compile("none"))), slots);
      Operand<TFloat32> read = params.weights().get("w");
      Operand<TFloat32> grad = tf.gradients(tf.reduceSum(tf.math.mul(read, tf.constant(g)), tf.constant(0)),
          List.of(read)).dy(0).expect(TFloat32.class);
      var ops = adam.apply(tf, List.of(new AdamW.Update(params.get("w"), read, grad)), tf.constant(true));
      try (Session s = new Session(graph)) {
        params.initializeAll(s);
        slots.initializeAll(s);
        for (int t = 1; t <= 2; t++) {
          try (TFloat32 lrT = TFloat32.scalarOf((float) lr);
              TFloat32 p1 = TFloat32.scalarOf(AdamW.power(b1, t));
              TFloat32 p2 = TFloat32.scalarOf(AdamW.power(b2, t))) {
            var runner = s.runner().feed(adam.feeds().learningRate(), lrT).feed(adam.feeds().beta1Power(), p1)
                .feed(adam.feeds().beta2Power(), p2);
            ops.forEach(runner::addTarget);
            runner.run();
          }
        }
        actual = params.read(s, "w");
      }
    }
    double[] w = new double[3];
    double[] m = new double[3];
    double[] v = new double[3];
    for (int i = 0; i < 3; i++) {
      w[i] = w0[i];
    }
    for (int t = 1; t <= 2; t++) {
      double lrT = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
      for (int i = 0; i < 3; i++) {
        w[i] -= lr * wd * w[i];
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        w[i] -= lrT * m[i] / (Math.sqrt(v[i]) + eps);
      }
    }
    float[] expected = {(float) w[0], (float) w[1], (float) w[2]};
    assertArrayEquals(expected, actual, 1e-5f);
  }
}
