package io.liquidj.framework.export;

import com.typesafe.config.Config;
import java.nio.file.Path;

/** The {@code export} section: where the SavedModel goes. */
public record ExportSettings(Path dir) {
  /** Reads {@code export} (pass the section). */
  public static ExportSettings from(Config c) {
    return new ExportSettings(Path.of(c.getString("dir")));
  }
}
