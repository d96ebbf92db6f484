package io.liquidj.framework.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  private static List<String> names(Path folder) throws Exception {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static void writeOne(Path target, boolean overwrite, String name) throws Exception {
    AtomicFiles.writeDirectory(target, overwrite, tmp -> Files.writeString(tmp.resolve(name), name));
  }

  @Test
  void writtenFoldersAndFilesHaveTheModeOfAnyFileTheUserCreates() throws Exception {
    // What the user's umask gives a plain new folder and file (rwxr-xr-x and rw-r--r-- under umask 022).
    var folderMode = Files.getPosixFilePermissions(Files.createDirectory(dir.resolve("plain-folder")));
    var fileMode = Files.getPosixFilePermissions(Files.createFile(dir.resolve("plain-file")));
    Path export = dir.resolve("export/1");
    writeOne(export, false, "saved_model.pb");
    Path report = dir.resolve("report.json");
    AtomicFiles.writeString(report, "{}");
    assertEquals(PosixFilePermissions.toString(folderMode),
        PosixFilePermissions.toString(Files.getPosixFilePermissions(export)));
    assertEquals(PosixFilePermissions.toString(fileMode),
        PosixFilePermissions.toString(Files.getPosixFilePermissions(export.resolve("saved_model.pb"))));
    assertEquals(PosixFilePermissions.toString(fileMode),
        PosixFilePermissions.toString(Files.getPosixFilePermissions(report)));
  }

  @Test
  void aFolderLiquidjDidNotWriteIsNeitherReplacedNorTouched() throws Exception {
    Path run = Files.createDirectories(dir.resolve("runs/demo"));
    Files.writeString(run.resolve("notes.txt"), "mine");
    UserError e = assertThrows(UserError.class, () -> writeOne(run, false, "saved_model.pb"));
    assertTrue(e.getMessage().contains(run.toString()), e.getMessage());
    assertEquals(List.of("notes.txt"), names(run));
    assertEquals(List.of("demo"), names(dir.resolve("runs")));
  }

  @Test
  void aFolderLiquidjWroteIsReplacedWhole() throws Exception {
    Path out = dir.resolve("1");
    writeOne(out, false, "first");
    writeOne(out, false, "second");
    assertEquals(List.of(AtomicFiles.MARKER, "second"), names(out));
    assertEquals(List.of("1"), names(dir));
  }

  @Test
  void overwriteReplacesAFolderLiquidjDidNotWrite() throws Exception {
    Path out = Files.createDirectories(dir.resolve("1"));
    Files.writeString(out.resolve("notes.txt"), "mine");
    writeOne(out, true, "saved_model.pb");
    assertEquals(List.of(AtomicFiles.MARKER, "saved_model.pb"), names(out));
  }

  @Test
  void anOutputFolderCheckNamesTheKeyThePathWhatIsThereAndTheOverwriteKey() throws Exception {
    Path out = Files.createDirectories(dir.resolve("runs/demo"));
    Files.writeString(out.resolve("notes.txt"), "mine");
    UserError e = assertThrows(UserError.class,
        () -> AtomicFiles.checkReplaceable(out, "export.dir", "export.overwrite", false));
    assertTrue(e.getMessage().startsWith("export.dir = " + out + " already holds files liquidj did not write (notes.txt)"),
        e.getMessage());
    assertTrue(e.getMessage().contains("export.overwrite=true"), e.getMessage());
    AtomicFiles.checkReplaceable(out, "export.dir", "export.overwrite", true);
    AtomicFiles.checkReplaceable(dir.resolve("absent"), "export.dir", "export.overwrite", false);
  }

  @Test
  void leftoversOfAKilledWriteOfATargetAreRemovedAndNothingElse() throws Exception {
    Path target = dir.resolve("1");
    Files.createDirectories(dir.resolve(".1.liquidj-tmp-123/variables"));
    Files.createDirectories(dir.resolve(".1.tmp4567")); // as earlier versions named it
    Files.createDirectories(dir.resolve(".1.liquidj-old"));
    Files.createDirectories(dir.resolve(".2.liquidj-tmp-8")); // another target's
    Files.writeString(dir.resolve("notes.tmp"), "mine");
    Files.writeString(dir.resolve(".1.bak"), "mine");
    AtomicFiles.removeLeftoversOf(target);
    assertEquals(List.of(".1.bak", ".2.liquidj-tmp-8", "notes.tmp"), names(dir));
  }

  @Test
  void leftoversOfKilledWritesInAFolderAreRemovedAndNothingElse() throws Exception {
    Files.createDirectories(dir.resolve(".step-00000004.liquidj-tmp-99/x"));
    Files.writeString(dir.resolve(".config.resolved.conf.liquidj-tmp-5"), "half");
    Files.writeString(dir.resolve(".config.resolved.conf123.tmp"), "half"); // as earlier versions named it
    Files.createDirectories(dir.resolve("step-00000002"));
    Files.writeString(dir.resolve("notes.tmp"), "mine");
    Files.writeString(dir.resolve(".hidden"), "mine");
    AtomicFiles.removeLeftoversIn(dir);
    assertEquals(List.of(".hidden", "notes.tmp", "step-00000002"), names(dir));
  }
}
