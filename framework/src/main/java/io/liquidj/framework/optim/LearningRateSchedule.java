package io.liquidj.framework.optim;

/**
 * The learning rate of each optimizer step (0-based), fed to the graph as a scalar.
 *
 * <p>Warmup rises linearly to the peak over {@code warmupSteps} (step 0 already gets peak/warmup, as
 * transformers' get_cosine_schedule_with_warmup does with its first scheduler step); then cosine or
 * linear decay reaches {@code minLrRatio·peak} at the last step, or the rate stays constant.
 */
public record LearningRateSchedule(String kind, double peakLr, int warmupSteps, int totalSteps, double minLrRatio) {

  /** The learning rate at {@code step}. */
  public double at(int step) {
    if (step < warmupSteps) {
      return peakLr * (step + 1) / warmupSteps;
    }
    int decaySteps = Math.max(1, totalSteps - warmupSteps - 1);
    double progress = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
    double min = peakLr * minLrRatio;
    return switch (kind) {
      case "cosine" -> min + (peakLr - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
      case "linear" -> peakLr - (peakLr - min) * progress;
      case "constant" -> peakLr;
      default -> throw new IllegalStateException("schedule kind " + kind);
    };
  }
}
