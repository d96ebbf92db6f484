package io.liquidj.framework.metrics;

/**
 * Model FLOPs utilisation: 6 · parameters · tokens/s (forward 2, backward 4 FLOPs per parameter and
 * token; attention's T² term left out, as in the PaLM paper's appendix B without it) over the device's peak.
 */
public final class Throughput {
  private Throughput() {}

  /** MFU in [0, 1]. */
  public static double mfu(long parameters, double tokensPerSecond, double peakFlops) {
    return 6.0 * parameters * tokensPerSecond / peakFlops;
  }
}
