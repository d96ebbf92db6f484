package io.liquidj.recipes;

import io.liquidj.framework.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The recipe files and named shapes packed in the jar ({@code conf/recipes/}, {@code conf/backbones/}, copied
 * from the repository's {@code conf/} at build time), listed from the classpath folder itself: a file added to
 * {@code conf/} is listed without code changes.
 */
final class ShippedConfs {
  static final String RECIPES = "conf/recipes/";
  static final String SHAPES = io.liquidj.framework.backbone.Backbones.SHAPES;

  private ShippedConfs() {}

  /** Name (file name without .conf) → the file's first comment line, sorted by name. */
  static Map<String, String> list(String folder) {
    Map<String, String> out = new TreeMap<>();
    URL url = ShippedConfs.class.getClassLoader().getResource(folder);
    if (url == null) {
      return out;
    }
    try {
      URI uri = url.toURI();
      if (uri.getScheme().equals("jar")) {
        try (FileSystem jar = openJar(uri)) {
          addAll(jar.provider().getPath(uri), out);
        }
      } else {
        addAll(Path.of(uri), out);
      }
    } catch (IOException | URISyntaxException e) {
      throw new UserError("cannot list " + folder + " on the classpath: " + e.getMessage(), e);
    }
    return out;
  }

  private static FileSystem openJar(URI uri) throws IOException {
    try {
      return FileSystems.newFileSystem(uri, Map.of());
    } catch (FileSystemAlreadyExistsException e) {
      // Someone else's open file system: list through a second one of the same jar file.
      return FileSystems.newFileSystem(Path.of(URI.create(uri.toString().replaceFirst("^jar:", "").split("!")[0])));
    }
  }

  private static void addAll(Path dir, Map<String, String> out) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(p -> p.getFileName().toString().endsWith(".conf")).toList()) {
        String name = file.getFileName().toString().replaceFirst("\\.conf$", "");
        out.put(name, firstComment(Files.readString(file, StandardCharsets.UTF_8)));
      }
    }
  }

  /** The first line starting with {@code #}, without the {@code #}; empty if none. */
  static String firstComment(String text) {
    return text.lines().map(String::strip).filter(l -> l.startsWith("#")).findFirst()
        .map(l -> l.replaceFirst("^#+\\s*", "")).orElse("");
  }

  /** The text of {@code folder/name.conf}, or null when there is none. */
  static String read(String folder, String name) throws IOException {
    try (InputStream in = ShippedConfs.class.getClassLoader().getResourceAsStream(folder + name + ".conf")) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** One line each: two spaces, the name padded, its first comment line. */
  static void print(Map<String, String> entries, java.io.PrintStream out) {
    int width = entries.keySet().stream().mapToInt(String::length).max().orElse(0);
    entries.forEach((name, comment) -> out.println("  " + name + " ".repeat(width - name.length() + 2) + comment));
  }
}
