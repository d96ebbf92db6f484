package io.liquidj.framework.optim;

import com.typesafe.config.Config;
import io.liquidj.framework.config.ConfigReads;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code lora} section: low-rank adapters W + (alpha/rank)·B·A (Hu et al. 2021).
 *
 * @param targets parameters that get adapters (their base weight is frozen)
 * @param alsoTrain parameters trained fully next to the adapters (embeddings and LM head by default,
 *     so the new image-code rows learn: the Liquid release's LoRA run leaves them untrained)
 */
public record LoraSettings(boolean enabled, int rank, double alpha, List<Pattern> targets, List<Pattern> alsoTrain) {
  public LoraSettings {
    targets = List.copyOf(targets);
    alsoTrain = List.copyOf(alsoTrain);
  }

  /** Reads {@code config} (the {@code lora} section). */
  public static LoraSettings from(Config config) {
    return new LoraSettings(
        config.getBoolean("enabled"),
        ConfigReads.positiveInt(config, "rank"),
        ConfigReads.positive(config, "alpha"),
        Patterns.list(config, "targets"),
        Patterns.list(config, "also-train"));
  }

  /** LoRA off. */
  public static LoraSettings disabled() {
    return new LoraSettings(false, 8, 16, List.of(), List.of());
  }

  /** Whether {@code name} gets an adapter. */
  public boolean adapts(String name) {
    return enabled && Patterns.matchesAny(targets, name);
  }

  /** The delta's scale alpha / rank. */
  public double scale() {
    return alpha / rank;
  }
}
