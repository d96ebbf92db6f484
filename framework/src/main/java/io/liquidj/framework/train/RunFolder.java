package io.liquidj.framework.train;

import io.liquidj.framework.UserError;
import io.liquidj.framework.checkpoint.CheckpointManager;
import io.liquidj.framework.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code trainer.output-dir} as the folder of one run: {@code checkpoints/}, {@code tensorboard/}, {@code model/}
 * and {@code config.resolved.conf}. Before a run starts in it, what a killed run's atomic writes left is removed,
 * and another run's outputs stop it, unless {@code trainer.resume} (continue that run) or {@code
 * trainer.overwrite} (remove them first, so that none of the old run's checkpoints or events mix into the new one).
 * A {@code model/} that liquidj did not write is refused too, unless overwrite, or resume of a run with
 * checkpoints (whose {@code model/} it is, maybe written by an earlier version, without the marker).
 */
final class RunFolder {
  static final String CHECKPOINTS = "checkpoints";
  static final String TENSORBOARD = "tensorboard";
  static final String MODEL = "model";

  private RunFolder() {}

  /** Makes {@code trainer.output-dir} ready for a run, or refuses it with a {@link UserError}. */
  static void claim(TrainerSettings trainer, PrintStream out) throws IOException {
    Path dir = trainer.outputDir();
    AtomicFiles.removeLeftoversIn(dir);
    AtomicFiles.removeLeftoversIn(dir.resolve(CHECKPOINTS));
    List<Path> previous = previousRun(dir);
    if (!previous.isEmpty() && !trainer.resume()) {
      if (!trainer.overwrite()) {
        throw new UserError("trainer.output-dir = " + dir + " already holds another run (" + names(dir, previous)
            + "): set trainer.resume=true to continue it, trainer.overwrite=true to replace it, or choose another "
            + "trainer.output-dir");
      }
      for (Path p : previous) {
        AtomicFiles.deleteTree(p);
      }
      out.println("trainer.overwrite = true: removed the previous run's " + names(dir, previous) + " from " + dir);
    }
    boolean continuing = trainer.resume() && !new CheckpointManager(dir.resolve(CHECKPOINTS), 1).list().isEmpty();
    if (!continuing) {
      AtomicFiles.checkReplaceable(dir.resolve(MODEL), "trainer.output-dir's " + MODEL + " folder",
          "trainer.overwrite", trainer.overwrite());
    }
  }

  /** A run's outputs in {@code dir}: its checkpoints, its TensorBoard event files and its model folder. */
  private static List<Path> previousRun(Path dir) throws IOException {
    List<Path> found = new ArrayList<>(new CheckpointManager(dir.resolve(CHECKPOINTS), 1).list());
    Path events = dir.resolve(TENSORBOARD);
    if (Files.isDirectory(events)) {
      try (var files = Files.list(events)) {
        files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents")).sorted().forEach(found::add);
      }
    }
    if (AtomicFiles.isOwnOutput(dir.resolve(MODEL))) {
      found.add(dir.resolve(MODEL));
    }
    return found;
  }

  /** The first few of {@code paths}, relative to {@code dir}. */
  private static String names(Path dir, List<Path> paths) {
    List<String> names = paths.stream().map(p -> dir.relativize(p).toString()).toList();
    return String.join(", ", names.subList(0, Math.min(4, names.size()))) + (names.size() > 4 ? ", ..." : "");
  }
}
