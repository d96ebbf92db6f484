package io.liquidj.framework.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import io.liquidj.framework.UserError;
import io.liquidj.framework.checkpoint.CheckpointManager;
import io.liquidj.framework.data.BatchSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** trainer.output-dir holds one run: another run there is continued, replaced or refused, never mixed. */
class RunFolderTest {
  @TempDir Path dir;
  private final PrintStream out = new PrintStream(new ByteArrayOutputStream());

  private TrainingRun start(String... overrides) {
    return new TrainingRun(new TinyBackbone(), null, TestSettings.of(dir, overrides), (s, p) -> p.initializeAll(s),
        "# test", out);
  }

  /** A whole run of {@code steps} steps with its final checkpoint, as the train recipe does it. */
  private void train(int steps, String... overrides) throws Exception {
    List<String> all = new ArrayList<>(List.of(overrides));
    all.add("trainer.steps = " + steps);
    try (TrainingRun run = start(all.toArray(String[]::new));
        BatchSource source = ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 3)) {
      run.resumeIfAsked(source);
      while (!run.done()) {
        run.step(source);
      }
      run.checkpoint(source);
    }
  }

  private List<String> checkpoints() throws Exception {
    return new CheckpointManager(dir.resolve("checkpoints"), 1).list().stream()
        .map(p -> p.getFileName().toString()).toList();
  }

  private long eventFiles() throws Exception {
    try (Stream<Path> files = Files.list(dir.resolve("tensorboard"))) {
      return files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents")).count();
    }
  }

  @Test
  void aNewRunInAFolderHoldingAnotherRunStopsNamingTheFolderAndTheKeys() throws Exception {
    train(2);
    UserError e = assertThrows(UserError.class, () -> start().close());
    assertTrue(e.getMessage().contains("trainer.output-dir = " + dir + " already holds another run"), e.getMessage());
    assertTrue(e.getMessage().contains("trainer.resume=true") && e.getMessage().contains("trainer.overwrite=true"),
        e.getMessage());
    assertEquals(List.of("step-00000002"), checkpoints());
    assertEquals(1, eventFiles());
  }

  @Test
  void overwriteStartsAfreshWithNoneOfTheOldRunsCheckpointsOrEvents() throws Exception {
    train(4, "trainer.checkpoint-every = 2");
    assertEquals(List.of("step-00000002", "step-00000004"), checkpoints());
    train(2, "trainer.overwrite = true", "trainer.keep-last = 3");
    assertEquals(List.of("step-00000002"), checkpoints());
    assertEquals(1, eventFiles());
  }

  @Test
  void aModelFolderLiquidjDidNotWriteIsRefusedBeforeTraining() throws Exception {
    Path notes = Files.writeString(Files.createDirectories(dir.resolve("model")).resolve("notes.txt"), "mine");
    UserError e = assertThrows(UserError.class, () -> start().close());
    assertTrue(e.getMessage().contains(dir.resolve("model") + " already holds files liquidj did not write"),
        e.getMessage());
    assertTrue(Files.isRegularFile(notes));
  }

  @Test
  void aResumedRunReplacesItsModelFolderThatAnEarlierVersionWroteWithoutTheMarker() throws Exception {
    train(2);
    Files.writeString(Files.createDirectories(dir.resolve("model")).resolve("config.json"), "{}");
    try (TrainingRun run = start("trainer.resume = true", "trainer.steps = 3");
        BatchSource source = ListBatchSource.of(2, 8, TinyBackbone.VOCAB, 3)) {
      run.resumeIfAsked(source);
      run.step(source);
      run.exportModel(dir.resolve("model"));
    }
    assertTrue(Files.isRegularFile(dir.resolve("model/model.safetensors")));
  }

  @Test
  void resumeAndOverwriteTogetherAreRejectedNamingBoth() {
    ConfigException.BadValue e = assertThrows(ConfigException.BadValue.class,
        () -> TestSettings.of(dir, "trainer.resume = true", "trainer.overwrite = true"));
    assertTrue(e.getMessage().contains("overwrite") && e.getMessage().contains("trainer.resume"), e.getMessage());
  }

  @Test
  void aKilledRunsTemporaryFilesAreRemovedOnTheNextStartAndNothingElse() throws Exception {
    Files.createDirectories(dir.resolve("checkpoints/.step-00000004.liquidj-tmp-123"));
    Files.writeString(dir.resolve("checkpoints/.step-00000004.liquidj-tmp-123/model.safetensors"), "half");
    Files.createDirectories(dir.resolve("checkpoints/.step-00000002.tmp456")); // as earlier versions named it
    Files.writeString(dir.resolve(".config.resolved.conf789.tmp"), "half");
    Files.createDirectories(dir.resolve(".model.liquidj-tmp-5"));
    Files.writeString(dir.resolve("notes.tmp"), "mine");
    start().close();
    try (Stream<Path> left = Files.list(dir); Stream<Path> inCheckpoints = Files.list(dir.resolve("checkpoints"))) {
      assertEquals(List.of("checkpoints", "notes.tmp", "tensorboard"),
          left.map(p -> p.getFileName().toString()).sorted().toList());
      assertFalse(inCheckpoints.findAny().isPresent());
    }
  }
}
