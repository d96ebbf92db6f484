package io.liquidj.framework.io;

import io.liquidj.framework.UserError;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Writes that a crash cannot leave half done: write to a temporary sibling, fsync, rename over the
 * target, fsync the directory. Used for checkpoints, exports, safetensors and reports.
 *
 * <p>A folder written whole holds a {@link #MARKER} file, so that a later write replaces only a folder liquidj
 * wrote, never one that merely sits where an output key points. A killed write leaves its temporary sibling,
 * {@code .<name>.liquidj-tmp-<digits>} (or {@code .<name>.liquidj-old}, the replaced copy); the next start of
 * the stage that owns the output removes those ({@link #removeLeftoversOf}, {@link #removeLeftoversIn}).
 */
public final class AtomicFiles {
  /** The file that marks a folder as written whole by {@link #writeDirectory}. */
  public static final String MARKER = ".liquidj-output";

  private static final String TMP = ".liquidj-tmp-";
  private static final String OLD = ".liquidj-old";
  /**
   * What a killed write leaves: {@code .<name>} followed by {@code .liquidj-tmp-<digits>} or {@code .liquidj-old},
   * or, as earlier versions named them, {@code .tmp<digits>} (a folder) or {@code <digits>.tmp} (a file).
   */
  private static final String LEFTOVER_SUFFIX = "(\\.liquidj-tmp-\\d+|\\.liquidj-old|\\.tmp\\d+|\\d+\\.tmp)";
  private static final Pattern LEFTOVER = Pattern.compile("\\..+" + LEFTOVER_SUFFIX);

  private AtomicFiles() {}

  /** Writes the body of a file. */
  @FunctionalInterface
  public interface Body {
    void write(FileChannel channel) throws IOException;
  }

  /** Fills a directory. */
  @FunctionalInterface
  public interface DirectoryBody {
    void fill(Path directory) throws Exception;
  }

  /** Writes {@code target} atomically. */
  public static void write(Path target, Body body) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = createTemporary(dir, "." + target.getFileName() + TMP, false);
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        body.write(ch);
        ch.force(true);
      } catch (FileSystemException e) {
        throw e;
      } catch (IOException e) {
        throw naming(target, e);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * A new empty file or folder {@code <prefix><digits>} in {@code dir}, created with the user's umask (rw-r--r--,
   * rwxr-xr-x under umask 022). {@code Files.createTempFile}/{@code createTempDirectory} would make it private
   * (rw-------, rwx------), and the rename keeps that mode: a TensorFlow Serving running as another user could not
   * read the export.
   */
  private static Path createTemporary(Path dir, String prefix, boolean directory) throws IOException {
    while (true) {
      Path p = dir.resolve(prefix + java.util.concurrent.ThreadLocalRandom.current().nextLong(Long.MAX_VALUE));
      try {
        return directory ? Files.createDirectory(p) : Files.createFile(p);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // another writer drew the same digits: draw again
      }
    }
  }

  /**
   * A failure that does not say which file it is about (a write into a full disk says only "No space left on
   * device") as one that names {@code target}.
   */
  private static FileSystemException naming(Path target, IOException e) {
    FileSystemException named = new FileSystemException(target.toString(), null, e.getMessage());
    named.initCause(e);
    return named;
  }

  /** Writes a string file atomically. */
  public static void writeString(Path target, String content) throws IOException {
    byte[] bytes = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    write(target, ch -> {
      var b = java.nio.ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
    });
  }

  /**
   * Creates directory {@code target} atomically: {@code body} fills a temporary sibling, every file
   * in it is synced, the {@link #MARKER} is added, then it is renamed into place. An existing {@code target} is
   * replaced only after the new one is complete, and only if liquidj wrote it (it holds the marker) or
   * {@code overwrite}; any other is refused with a {@link UserError} before {@code body} runs.
   */
  public static void writeDirectory(Path target, boolean overwrite, DirectoryBody body) throws IOException {
    if (!overwrite && Files.exists(target) && !isOwnOutput(target)) {
      throw new UserError(target + " exists and liquidj did not write it: not replaced (" + contents(target) + ")");
    }
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = createTemporary(parent, "." + target.getFileName() + TMP, true);
    try {
      body.fill(tmp);
      Files.writeString(tmp.resolve(MARKER), "Written whole by liquidj, which may replace this folder whole.\n");
      syncTree(tmp);
      if (Files.exists(target)) {
        Path old = parent.resolve("." + target.getFileName() + OLD);
        deleteTree(old);
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
      } else {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      }
      syncDirectory(parent);
    } catch (IOException | RuntimeException e) {
      deleteTree(tmp);
      throw e;
    } catch (Exception e) {
      deleteTree(tmp);
      throw new IOException("writing " + target + " failed: " + e.getMessage(), e);
    }
  }

  /** Whether {@code dir} is a folder {@link #writeDirectory} wrote (it holds the {@link #MARKER}). */
  public static boolean isOwnOutput(Path dir) {
    return Files.isRegularFile(dir.resolve(MARKER));
  }

  /**
   * Refuses, before a stage does its work, an output folder that {@link #writeDirectory} would not replace: one
   * that exists and that liquidj did not write, unless {@code overwrite}. The error names the key, the path, what
   * is there and the key that allows it.
   *
   * @param key the setting that names {@code target}, e.g. {@code export.output-dir}
   * @param overwriteKey the setting that allows replacing it, e.g. {@code export.overwrite}
   */
  public static void checkReplaceable(Path target, String key, String overwriteKey, boolean overwrite)
      throws IOException {
    if (!overwrite && Files.exists(target) && !isOwnOutput(target)) {
      throw new UserError(key + " = " + target + " already holds files liquidj did not write (" + contents(target)
          + "); it would be replaced whole: choose another " + key + ", or set " + overwriteKey
          + "=true to replace it");
    }
  }

  /** A few names of what {@code path} holds, for an error message. */
  private static String contents(Path path) throws IOException {
    if (!Files.isDirectory(path)) {
      return "a file";
    }
    try (var entries = Files.list(path)) {
      List<String> names = entries.map(p -> p.getFileName().toString()).sorted().toList();
      return names.isEmpty() ? "an empty folder"
          : String.join(", ", names.subList(0, Math.min(3, names.size()))) + (names.size() > 3 ? ", ..." : "");
    }
  }

  /**
   * Removes what killed writes of {@code target} left beside it: its temporary copies and a replaced old copy
   * (only entries named for {@code target}; nothing else in its folder).
   */
  public static void removeLeftoversOf(Path target) throws IOException {
    Pattern mine = Pattern.compile(Pattern.quote("." + target.getFileName()) + LEFTOVER_SUFFIX);
    removeMatching(target.toAbsolutePath().getParent(), mine);
  }

  /** Removes what killed writes left directly in {@code dir}: every entry named as a temporary or old copy. */
  public static void removeLeftoversIn(Path dir) throws IOException {
    removeMatching(dir, LEFTOVER);
  }

  private static void removeMatching(Path dir, Pattern names) throws IOException {
    if (dir == null || !Files.isDirectory(dir)) {
      return;
    }
    try (var entries = Files.list(dir)) {
      for (Path p : entries.filter(p -> names.matcher(p.getFileName().toString()).matches()).toList()) {
        deleteTree(p);
      }
    }
  }

  /** Deletes a directory tree if it exists. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static void syncTree(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(p)) {
          try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.force(true);
          }
        }
      }
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // Some file systems cannot sync a directory; the rename itself is still atomic.
    }
  }
}
