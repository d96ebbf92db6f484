package io.liquidj.tokenizers.vqgan;

import static io.liquidj.framework.Mutations.expectCleanOutcome;

import io.liquidj.framework.Fixtures;
import io.liquidj.framework.Mutations;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of the fixture checkpoint's data.pkl: the pickle reader, and the whole checkpoint
 * when the mutated pickle still parses, either read or fail with a UserError; never an unexpected
 * exception.
 */
class TorchPickleFuzzTest {
  private static final Path CKPT = Fixtures.fixture("vqgan/vqgan.ckpt");
  private static final int MUTATIONS = 300;
  private static final int CHECKPOINTS = 20;

  @TempDir Path tmp;

  @Test
  void dataPklMutationsReadOrFailClearly() throws Exception {
    byte[] pickle;
    try (ZipFile zip = new ZipFile(CKPT.toFile())) {
      pickle = zip.getInputStream(zip.getEntry("vqgan/data.pkl")).readAllBytes();
    }
    Mutations mutations = new Mutations(26, 64, null);
    int checkpoints = 0;
    for (int i = 0; i < MUTATIONS; i++) {
      byte[] mutated = mutations.next(pickle);
      Object[] parsed = new Object[1];
      expectCleanOutcome("data.pkl mutation " + i, () -> parsed[0] = StateDictPickle.read(mutated, "data.pkl"));
      // Still a pickle: the views it describes are checked against the storages (the first few; each costs a 4 MB zip).
      if (parsed[0] != null && checkpoints++ < CHECKPOINTS) {
        Path ckpt = withPickle(mutated);
        expectCleanOutcome("checkpoint with data.pkl mutation " + i, () -> {
          try (TorchCheckpoint c = TorchCheckpoint.open(ckpt)) {
            for (String name : c.names()) {
              c.readFloats(name);
            }
          }
        });
      }
    }
  }

  /** The fixture checkpoint with {@code pickle} as its data.pkl (entries stored uncompressed: fast). */
  private Path withPickle(byte[] pickle) throws Exception {
    Path out = tmp.resolve("mutated.ckpt");
    try (ZipFile in = new ZipFile(CKPT.toFile()); OutputStream os = Files.newOutputStream(out);
        ZipOutputStream zip = new ZipOutputStream(os)) {
      zip.setLevel(Deflater.NO_COMPRESSION);
      for (ZipEntry e : Collections.list(in.entries())) {
        zip.putNextEntry(new ZipEntry(e.getName()));
        zip.write(e.getName().endsWith("data.pkl") ? pickle : in.getInputStream(e).readAllBytes());
        zip.closeEntry();
      }
    }
    return out;
  }
}
