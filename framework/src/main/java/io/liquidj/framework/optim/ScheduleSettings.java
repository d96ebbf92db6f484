package io.liquidj.framework.optim;

import com.typesafe.config.Config;
import io.liquidj.framework.config.ConfigReads;

/**
 * The {@code schedule} section: linear warmup then cosine, linear or constant.
 *
 * @param warmupSteps warmup steps if &gt; 0, else {@code warmupRatio} of the run
 */
public record ScheduleSettings(String kind, int warmupSteps, double warmupRatio, double minLrRatio) {
  /** Reads {@code config} (the {@code schedule} section). */
  public static ScheduleSettings from(Config config) {
    return new ScheduleSettings(
        ConfigReads.oneOf(config, "kind", "cosine", "linear", "constant"),
        ConfigReads.nonNegativeInt(config, "warmup-steps"),
        ConfigReads.probability(config, "warmup-ratio"),
        ConfigReads.probability(config, "min-lr-ratio"));
  }

  /** The schedule of a run of {@code totalSteps} steps peaking at {@code peakLr}. */
  public LearningRateSchedule schedule(double peakLr, int totalSteps) {
    int warmup = warmupSteps > 0 ? warmupSteps : (int) Math.ceil(warmupRatio * totalSteps);
    return new LearningRateSchedule(kind, peakLr, warmup, totalSteps, minLrRatio);
  }
}
