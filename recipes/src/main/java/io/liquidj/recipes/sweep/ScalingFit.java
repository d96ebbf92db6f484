package io.liquidj.recipes.sweep;

import org.apache.commons.math3.fitting.leastsquares.LeastSquaresBuilder;
import org.apache.commons.math3.fitting.leastsquares.LeastSquaresOptimizer;
import org.apache.commons.math3.fitting.leastsquares.LevenbergMarquardtOptimizer;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.util.Pair;

/**
 * A saturating power law {@code L(x) = a·x^(−b) + c} fitted by Levenberg–Marquardt (Kaplan et al. 2020;
 * Hoffmann et al. 2022 fit the same form in N and D). x is compute C = 6·N·D or parameters N.
 *
 * <p>The optimiser works on {@code t = x / x0} (x0 the geometric mean of the x values), where the
 * three parameters have comparable scales; {@code a = A·x0^b} afterwards. Uncertainties are the square
 * roots of the covariance diagonal, {@code (JᵀJ)⁻¹ · RSS/(n − 3)}, carried to a by the delta method.
 *
 * @param a scale, in the units of x
 * @param aError its standard error (NaN with 3 points: no degree of freedom left)
 * @param b exponent
 * @param c irreducible loss (the asymptote)
 * @param points points fitted
 * @param rmsResidual root-mean-square residual, in loss units
 */
record ScalingFit(double a, double aError, double b, double bError, double c, double cError, int points,
    double rmsResidual) {

  /** The fitted loss at x. */
  double at(double x) {
    return a * Math.pow(x, -b) + c;
  }

  /**
   * Fits {@code y ≈ a·x^(−b) + c} to at least 3 points with x &gt; 0. Several starting exponents are tried
   * and the fit with the smallest residual is kept (the loss surface in b is not convex).
   *
   * @throws IllegalArgumentException for fewer than 3 points or x ≤ 0
   */
  static ScalingFit fit(double[] x, double[] y) {
    int n = x.length;
    if (n < 3 || y.length != n) {
      throw new IllegalArgumentException("a power-law fit needs at least 3 (x, y) points, got " + n);
    }
    double logMean = 0;
    for (double v : x) {
      if (!(v > 0)) {
        throw new IllegalArgumentException("x must be > 0, got " + v);
      }
      logMean += Math.log(v) / n;
    }
    double x0 = Math.exp(logMean);
    double[] t = new double[n];
    for (int i = 0; i < n; i++) {
      t[i] = x[i] / x0;
    }
    double minY = java.util.Arrays.stream(y).min().orElseThrow();
    LeastSquaresOptimizer.Optimum best = null;
    for (double b0 : new double[] {0.05, 0.2, 0.5, 1.0, 2.0}) {
      for (double c0 : new double[] {0, 0.5 * minY, 0.9 * minY}) {
        // With b and c fixed the model is linear in A: start from that least-squares A.
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
          double p = Math.pow(t[i], -b0);
          num += p * (y[i] - c0);
          den += p * p;
        }
        try {
          LeastSquaresOptimizer.Optimum o = new LevenbergMarquardtOptimizer().optimize(new LeastSquaresBuilder()
              .model(parameters -> model(parameters, t))
              .target(y)
              .start(new double[] {num / den, b0, c0})
              .maxEvaluations(10_000)
              .maxIterations(10_000)
              .build());
          if (best == null || o.getRMS() < best.getRMS()) {
            best = o;
          }
        } catch (org.apache.commons.math3.exception.MathIllegalStateException e) {
          // this start did not converge; another one may
        }
      }
    }
    if (best == null) {
      throw new IllegalStateException("the power-law fit did not converge from any start");
    }
    RealVector p = best.getPoint();
    double bigA = p.getEntry(0);
    double b = p.getEntry(1);
    double c = p.getEntry(2);
    double a = bigA * Math.pow(x0, b);
    double rss = best.getResiduals().dotProduct(best.getResiduals());
    double aError = Double.NaN;
    double bError = Double.NaN;
    double cError = Double.NaN;
    if (n > 3) {
      RealMatrix cov = best.getCovariances(1e-14).scalarMultiply(rss / (n - 3));
      // a = A·x0^b: ∂a/∂A = x0^b, ∂a/∂b = A·x0^b·ln x0.
      RealVector gradient = new ArrayRealVector(new double[] {Math.pow(x0, b), a * Math.log(x0), 0});
      aError = Math.sqrt(gradient.dotProduct(cov.operate(gradient)));
      bError = Math.sqrt(cov.getEntry(1, 1));
      cError = Math.sqrt(cov.getEntry(2, 2));
    }
    return new ScalingFit(a, aError, b, bError, c, cError, n, Math.sqrt(rss / n));
  }

  /** A·t^(−b) + c at each t, and its Jacobian in (A, b, c). */
  private static Pair<RealVector, RealMatrix> model(RealVector parameters, double[] t) {
    double bigA = parameters.getEntry(0);
    double b = parameters.getEntry(1);
    double c = parameters.getEntry(2);
    double[] value = new double[t.length];
    double[][] jacobian = new double[t.length][3];
    for (int i = 0; i < t.length; i++) {
      double power = Math.pow(t[i], -b);
      value[i] = bigA * power + c;
      jacobian[i][0] = power;
      jacobian[i][1] = -bigA * power * Math.log(t[i]);
      jacobian[i][2] = 1;
    }
    return new Pair<>(new ArrayRealVector(value, false), new Array2DRowRealMatrix(jacobian, false));
  }
}
