package io.liquidj.framework;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locations of the shared test fixtures ({@code ../shared/fixtures}) and the project root. */
public final class Fixtures {
  private Fixtures() {}

  /** {@code ../shared} beside the project (system property {@code liquidj.shared} when run by Maven). */
  public static Path shared() {
    String p = System.getProperty("liquidj.shared");
    Path path = p != null ? Path.of(p) : projectRoot().resolve("../shared");
    path = path.normalize();
    if (!Files.isDirectory(path)) {
      throw new IllegalStateException("shared fixtures not found at " + path);
    }
    return path;
  }

  /** A fixture under {@code shared/fixtures}, e.g. {@code hf/llama3}. */
  public static Path fixture(String relative) {
    return shared().resolve("fixtures").resolve(relative);
  }

  /** The project's root folder (the one with the parent pom.xml). */
  public static Path projectRoot() {
    String p = System.getProperty("liquidj.root");
    if (p != null) {
      return Path.of(p).toAbsolutePath().normalize();
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("framework"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("project root not found above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
