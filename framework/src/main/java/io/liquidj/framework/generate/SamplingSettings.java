package io.liquidj.framework.generate;

import com.typesafe.config.Config;
import io.liquidj.framework.config.ConfigReads;

/**
 * Sampling defaults (section {@code generate.sampling}); Liquid's reference values: guidance 7.0,
 * temperature 0.99, top-k 4096, top-p 0.96.
 */
public record SamplingSettings(double guidanceScale, double temperature, int topK, double topP, long seed) {

  /** Reads {@code generate.sampling} (pass the section's config). */
  public static SamplingSettings from(Config c) {
    return new SamplingSettings(
        ConfigReads.nonNegative(c, "guidance-scale"),
        ConfigReads.nonNegative(c, "temperature"),
        ConfigReads.nonNegativeInt(c, "top-k"),
        ConfigReads.probability(c, "top-p"),
        c.getLong("seed"));
  }

  /** Liquid's reference sampling (used by tests and the benchmark). */
  public static SamplingSettings liquidDefaults() {
    return new SamplingSettings(7.0, 0.99, 4096, 0.96, 0);
  }

  /** The same settings with another seed. */
  public SamplingSettings withSeed(long newSeed) {
    return new SamplingSettings(guidanceScale, temperature, topK, topP, newSeed);
  }

  /** Greedy decoding (temperature 0). */
  public SamplingSettings greedy() {
    return new SamplingSettings(guidanceScale, 0, topK, topP, seed);
  }
}
