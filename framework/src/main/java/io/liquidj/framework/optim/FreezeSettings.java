package io.liquidj.framework.optim;

import com.typesafe.config.Config;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code freeze} section: which parameters are not trained.
 *
 * @param patterns parameters matching any of these are frozen
 * @param trainOnly if not empty, every parameter matching none of these is frozen
 */
public record FreezeSettings(List<Pattern> patterns, List<Pattern> trainOnly) {
  public FreezeSettings {
    patterns = List.copyOf(patterns);
    trainOnly = List.copyOf(trainOnly);
  }

  /** Reads {@code config} (the {@code freeze} section). */
  public static FreezeSettings from(Config config) {
    return new FreezeSettings(Patterns.list(config, "patterns"), Patterns.list(config, "train-only"));
  }

  /** Nothing frozen. */
  public static FreezeSettings none() {
    return new FreezeSettings(List.of(), List.of());
  }

  /** Whether {@code name} is trained (ignoring LoRA, see {@link LoraSettings}). */
  public boolean trains(String name) {
    if (Patterns.matchesAny(patterns, name)) {
      return false;
    }
    return trainOnly.isEmpty() || Patterns.matchesAny(trainOnly, name);
  }
}
