package io.liquidj.framework.io;

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

/**
 * Writes that a crash cannot leave half done: write to a temporary sibling, fsync, rename over the
 * target, fsync the directory. Used for checkpoints, exports, safetensors and reports.
 */
public final class AtomicFiles {
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
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
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
   * in it is synced, then it is renamed into place (an existing {@code target} is replaced only
   * after the new one is complete).
   */
  public static void writeDirectory(Path target, DirectoryBody body) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp");
    try {
      body.fill(tmp);
      syncTree(tmp);
      if (Files.exists(target)) {
        Path old = parent.resolve("." + target.getFileName() + ".old");
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
