package io.liquidj.framework.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * File-system failures the user can fix (a read-only file system, a full disk, no permission, a file where a
 * folder is needed or the reverse), found anywhere in an exception's causes, as one line naming the path and
 * what to do. The path is the {@link FileSystemException}'s (its target, for a move); without one (an error
 * from TensorFlow's own file code), the message that states the failure, which names its file.
 */
final class FileSystemErrors {
  private FileSystemErrors() {}

  static Optional<String> explain(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String text = String.valueOf(t.getMessage());
      Path path = t instanceof FileSystemException f ? path(f) : null;
      String where = path == null ? text : path.toString();
      if (text.contains("No space left on device") || text.contains("Disk quota exceeded")) {
        return Optional.of("no space left on the device holding " + where
            + ": free some space or write the output to another disk");
      }
      if (text.contains("Read-only file system")) {
        return Optional.of(where + " is on a read-only file system: write the output to a writable folder");
      }
      if (t instanceof AccessDeniedException || text.contains("Permission denied")) {
        return Optional.of("permission denied for " + where + ": write the output to a folder you may write to");
      }
      if (t instanceof NotDirectoryException || text.contains("Not a directory")) {
        return Optional.of(path == null ? text + ": a file stands where a folder is needed"
            : fileInTheWay(path) + " is a file, but a folder is needed there: move it away or choose another path");
      }
      if (t instanceof DirectoryNotEmptyException || text.contains("Is a directory")) {
        return Optional.of(where + " is a folder, but a file is needed there: choose another path");
      }
      if (t instanceof FileAlreadyExistsException && path != null) {
        return Optional.of(Files.isDirectory(path)
            ? path + " is a folder, but a file is needed there: choose another path"
            : path + " is a file, but a folder is needed there: move it away or choose another path");
      }
    }
    return Optional.empty();
  }

  /** The path a failure is about: a move's target, else its file. */
  private static Path path(FileSystemException f) {
    String file = f.getOtherFile() != null ? f.getOtherFile() : f.getFile();
    return file == null ? null : Path.of(file);
  }

  /** The nearest existing ancestor of {@code path} (itself included) that is a file, or {@code path}. */
  private static Path fileInTheWay(Path path) {
    for (Path p = path; p != null; p = p.getParent()) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return path;
  }
}
