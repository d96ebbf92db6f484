package io.liquidj.framework.backbone;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The top-level keys {@code backbone} (a named shape or a shape file) and {@code checkpoint} (a
 * Hugging Face folder, empty for none), read once from the run's configuration.
 */
public record BackboneSettings(String backbone, Optional<Path> checkpoint) {
  public BackboneSettings {
    if (backbone == null || backbone.isBlank()) {
      throw new IllegalArgumentException("backbone must name a shape");
    }
  }

  /** Reads {@code backbone} and {@code checkpoint} from the root of the run's configuration. */
  public static BackboneSettings from(Config root) {
    String checkpoint = root.getString("checkpoint").trim();
    return new BackboneSettings(root.getString("backbone").trim(),
        checkpoint.isEmpty() ? Optional.empty() : Optional.of(Path.of(checkpoint)));
  }
}
