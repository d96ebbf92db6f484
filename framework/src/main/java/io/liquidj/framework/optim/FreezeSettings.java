package io.liquidj.framework.optim;

import com.typesafe.config.Config;
import io.liquidj.framework.UserError;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code freeze} section: which parameters are not trained.
 *
 * @param patterns parameters matching any of these are frozen
 * @param trainOnly if not empty, every parameter matching none of these is frozen
 * @param newVocabularyRowsOnly the embedding and LM head train only the rows the Liquid extension added
 *     (image codes and the three specials); the text rows keep their pretrained values
 */
public record FreezeSettings(List<Pattern> patterns, List<Pattern> trainOnly, boolean newVocabularyRowsOnly) {
  public FreezeSettings {
    patterns = List.copyOf(patterns);
    trainOnly = List.copyOf(trainOnly);
  }

  /** Reads {@code config} (the {@code freeze} section). */
  public static FreezeSettings from(Config config) {
    String rows = config.getString("vocabulary-rows");
    if (!rows.equals("all") && !rows.equals("new")) {
      throw new UserError("freeze.vocabulary-rows must be all or new, got \"" + rows + "\"");
    }
    return new FreezeSettings(Patterns.list(config, "patterns"), Patterns.list(config, "train-only"), rows.equals("new"));
  }

  /** Nothing frozen. */
  public static FreezeSettings none() {
    return new FreezeSettings(List.of(), List.of(), false);
  }

  /** Whether {@code name} is trained (ignoring LoRA, see {@link LoraSettings}). */
  public boolean trains(String name) {
    if (Patterns.matchesAny(patterns, name)) {
      return false;
    }
    return trainOnly.isEmpty() || Patterns.matchesAny(trainOnly, name);
  }
}
