package io.liquidj.framework.optim;

import com.typesafe.config.Config;
import io.liquidj.framework.config.ConfigReads;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code optimizer} section: AdamW hyper-parameters.
 *
 * @param noDecay parameters matching any of these get no weight decay
 */
public record OptimizerSettings(double beta1, double beta2, double epsilon, double weightDecay, List<Pattern> noDecay) {
  public OptimizerSettings {
    noDecay = List.copyOf(noDecay);
  }

  /** Reads {@code config} (the {@code optimizer} section). */
  public static OptimizerSettings from(Config config) {
    double beta1 = ConfigReads.probability(config, "beta1");
    double beta2 = ConfigReads.probability(config, "beta2");
    return new OptimizerSettings(
        beta1,
        beta2,
        ConfigReads.positive(config, "epsilon"),
        ConfigReads.nonNegative(config, "weight-decay"),
        Patterns.list(config, "no-decay"));
  }

  /** Whether {@code name} is decayed. */
  public boolean decays(String name) {
    return weightDecay > 0 && !Patterns.matchesAny(noDecay, name);
  }
}
