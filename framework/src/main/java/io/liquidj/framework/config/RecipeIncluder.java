package io.liquidj.framework.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseable;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * HOCON's {@code include "x.conf"} as Typesafe Config does it (a file next to the including file, else a
 * classpath resource), except that an include that finds neither is not skipped in silence: an optional one is
 * a warning naming the recipe and the file looked for, a {@code required(...)} one an error naming that file
 * (Typesafe Config's own error names only the classpath, its last try).
 */
final class RecipeIncluder implements ConfigIncluder, ConfigIncluderFile {
  private final Path recipe;
  private final ClassLoader loader;
  private final PrintStream warnings;
  private ConfigIncluder fallback;

  RecipeIncluder(Path recipe, ClassLoader loader, PrintStream warnings) {
    this.recipe = recipe;
    this.loader = loader;
    this.warnings = warnings;
  }

  @Override
  public ConfigIncluder withFallback(ConfigIncluder fallback) {
    this.fallback = fallback;
    return this;
  }

  @Override
  public ConfigObject include(ConfigIncludeContext context, String what) {
    ConfigParseable found = context.relativeTo(what);
    boolean isFile = found != null && found.origin().filename() != null;
    String resource = what.startsWith("/") ? what.substring(1) : what;
    if (isFile || loader.getResource(resource) != null) {
      return fallback.include(context, what);
    }
    return missing(context, "\"" + what + "\"", siblingOf(context, what));
  }

  @Override
  public ConfigObject includeFile(ConfigIncludeContext context, File what) {
    if (what.exists()) {
      return ((ConfigIncluderFile) fallback).includeFile(context, what);
    }
    return missing(context, "file(\"" + what + "\")", what.toPath().toAbsolutePath());
  }

  /** Where {@code include "what"} looked for a file: next to the including file ("." resolves to its folder). */
  private static Path siblingOf(ConfigIncludeContext context, String what) {
    if (Path.of(what).isAbsolute()) {
      return Path.of(what);
    }
    ConfigParseable folder = context.relativeTo(".");
    return folder == null || folder.origin().filename() == null
        ? Path.of(what).toAbsolutePath()
        : Path.of(folder.origin().filename()).resolve(what).normalize();
  }

  private ConfigObject missing(ConfigIncludeContext context, String include, Path lookedFor) {
    if (!context.parseOptions().getAllowMissing()) {
      throw new ConfigException.Generic("include required(" + include + "): " + lookedFor
          + " does not exist");
    }
    warnings.println("warning: recipe " + recipe + ": include " + include + " skipped: " + lookedFor
        + " does not exist (write include required(...) to make this an error)");
    return ConfigFactory.empty().root();
  }
}
