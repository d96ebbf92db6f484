package io.liquidj.framework.export;

import io.liquidj.framework.generate.ServingContract;
import io.liquidj.framework.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;

/**
 * Writes a SavedModel for TensorFlow Serving: tag {@code serve}, the given signatures, the weights in {@code variables/} through a {@link
 * ResourceSaver} built beforehand (one of the signatures should be {@code serving_default}), and {@code assets.extra/}
 * (files for clients, which TensorFlow Serving leaves alone). The folder appears whole or not at all, with the user's
 * umask (readable by a TensorFlow Serving running as another user under umask 022).
 */
public final class SavedModelExport {
  private SavedModelExport() {}

  /**
   * Exports {@code session}'s graph to {@code dir}, replacing it atomically if it exists and liquidj wrote it (or
   * {@code overwrite}); {@code assetsExtra} fills {@code assets.extra/}.
   */
  public static void write(Path dir, boolean overwrite, Session session, List<Signature> signatures,
      AtomicFiles.DirectoryBody assetsExtra) throws IOException {
    AtomicFiles.writeDirectory(dir, overwrite, tmp -> {
      // The exporter creates the folder itself; hand it a fresh path inside the temporary one, then
      // move its contents up.
      Path inner = tmp.resolve("model");
      SavedModelBundle.Exporter exporter = SavedModelBundle.exporter(inner.toString()).withSession(session)
          .withTags(SavedModelBundle.DEFAULT_TAG);
      signatures.forEach(exporter::withSignature);
      exporter.export();
      try (var files = Files.list(inner)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          Files.move(p, tmp.resolve(p.getFileName()));
        }
      }
      Files.delete(inner);
      assetsExtra.fill(Files.createDirectory(tmp.resolve(ServingContract.ASSETS_EXTRA)));
    });
  }
}
