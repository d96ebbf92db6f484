package io.liquidj.framework.train;

import com.typesafe.config.Config;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.framework.config.ConfigReads;
import io.liquidj.framework.loss.ZLoss;
import java.nio.file.Path;

/** The {@code trainer} section (see liquidj/trainer.conf for each key's meaning). */
public record TrainerSettings(
    int steps,
    int batchSize,
    int seqLen,
    double lr,
    Precision precision,
    boolean xla,
    boolean recomputeActivations,
    int gradAccum,
    double clipNorm,
    ZLoss zLoss,
    double zLossWeight,
    int logEvery,
    int checkpointEvery,
    int keepLast,
    boolean resume,
    boolean overwrite,
    Path outputDir,
    long seed,
    int maxNonFiniteSteps,
    double peakFlops,
    int imageCodes,
    VocabularyExtension.SpecialSlots specialTokens,
    boolean progressBar) {

  /** Reads {@code config} (the {@code trainer} section). */
  public static TrainerSettings from(Config config) {
    if (config.getBoolean("resume") && config.getBoolean("overwrite")) {
      throw ConfigReads.bad(config, "overwrite", "and trainer.resume are both true: resume continues the run in "
          + "trainer.output-dir, overwrite replaces it; set one");
    }
    return new TrainerSettings(
        ConfigReads.positiveInt(config, "steps"),
        ConfigReads.positiveInt(config, "batch-size"),
        ConfigReads.positiveInt(config, "seq-len"),
        ConfigReads.positive(config, "lr"),
        precision(config.getString("precision")),
        config.getBoolean("xla"),
        config.getBoolean("recompute-activations"),
        ConfigReads.positiveInt(config, "grad-accum"),
        ConfigReads.nonNegative(config, "clip-norm"),
        ZLoss.parse("trainer.z-loss", config.getString("z-loss")),
        ConfigReads.nonNegative(config, "z-loss-weight"),
        ConfigReads.positiveInt(config, "log-every"),
        ConfigReads.nonNegativeInt(config, "checkpoint-every"),
        ConfigReads.positiveInt(config, "keep-last"),
        config.getBoolean("resume"),
        config.getBoolean("overwrite"),
        Path.of(config.getString("output-dir")),
        config.getLong("seed"),
        ConfigReads.positiveInt(config, "max-non-finite-steps"),
        ConfigReads.nonNegative(config, "peak-flops"),
        ConfigReads.nonNegativeInt(config, "image-codes"),
        VocabularyExtension.SpecialSlots.valueOf(
            ConfigReads.oneOf(config, "special-tokens", "auto", "reserved", "append").toUpperCase(java.util.Locale.ROOT)),
        config.getBoolean("progress-bar"));
  }

  /** {@code auto}: bf16 matmuls when TensorFlow sees a GPU, else f32 (bf16 is ~7× slower on AVX2 CPUs). */
  private static Precision precision(String value) {
    if (value.equals("auto")) {
      return GpuProbe.gpuVisible() ? Precision.BF16 : Precision.F32;
    }
    if (!value.equals("f32") && !value.equals("bf16")) {
      throw new io.liquidj.framework.UserError("trainer.precision must be auto, f32 or bf16, got \"" + value + "\"");
    }
    return Precision.parse("trainer.precision", value);
  }
}
