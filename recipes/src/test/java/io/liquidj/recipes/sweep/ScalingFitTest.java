package io.liquidj.recipes.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ScalingFitTest {
  @Test
  void fitRecoversAbcOfANoisyPowerLawWithinTwoPercent() {
    // L(C) = 480·C^(−0.155) + 1.69 over C = 1e15 … 1e21 FLOPs, 40 points, 0.05% multiplicative noise (a, the value at C = 1, is the
    // least determined: its standard error here is ~1%).
    double a = 480;
    double b = 0.155;
    double c = 1.69;
    Random random = new Random(11);
    double[] x = new double[40];
    double[] y = new double[40];
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.pow(10, 15 + 6.0 * i / (x.length - 1));
      y[i] = (a * Math.pow(x[i], -b) + c) * (1 + 0.0005 * random.nextGaussian());
    }
    ScalingFit fit = ScalingFit.fit(x, y);
    assertEquals(a, fit.a(), 0.02 * a, fit.toString());
    assertEquals(b, fit.b(), 0.02 * b, fit.toString());
    assertEquals(c, fit.c(), 0.02 * c, fit.toString());
    // The errors are real standard errors: finite, positive, and the truth lies within 3 of them.
    assertTrue(fit.aError() > 0 && Math.abs(fit.a() - a) < 3 * fit.aError(), fit.toString());
    assertTrue(fit.bError() > 0 && Math.abs(fit.b() - b) < 3 * fit.bError(), fit.toString());
    assertTrue(fit.cError() > 0 && Math.abs(fit.c() - c) < 3 * fit.cError(), fit.toString());
    assertEquals(40, fit.points());
  }
}
