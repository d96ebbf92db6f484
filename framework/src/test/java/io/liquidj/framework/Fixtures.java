package io.liquidj.framework;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locations of the test fixtures ({@code testdata/} in the repository: reference models, tokenizers and
 * their expected outputs, see {@code testdata/README.md}) and of the project root.
 */
public final class Fixtures {
  private Fixtures() {}

  /** A fixture under {@code testdata/}, e.g. {@code hf/llama3}; fails clearly when it is missing. */
  public static Path fixture(String relative) {
    Path path = projectRoot().resolve("testdata").resolve(relative).normalize();
    if (!Files.exists(path)) {
      throw new IllegalStateException("test fixture not found: " + path + " (see testdata/README.md)");
    }
    return path;
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
