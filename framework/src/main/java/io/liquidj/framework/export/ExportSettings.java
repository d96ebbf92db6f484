package io.liquidj.framework.export;

import com.typesafe.config.Config;
import java.nio.file.Path;

/**
 * The {@code export} section: where the SavedModel goes.
 *
 * @param overwrite whether {@code dir} may replace a folder liquidj did not write
 */
public record ExportSettings(Path dir, boolean overwrite) {
  /** Reads {@code export} (pass the section). */
  public static ExportSettings from(Config c) {
    return new ExportSettings(Path.of(c.getString("output-dir")), c.getBoolean("overwrite"));
  }
}
