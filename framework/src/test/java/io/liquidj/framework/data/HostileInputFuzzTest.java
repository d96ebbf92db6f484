package io.liquidj.framework.data;

import static io.liquidj.framework.Mutations.expectCleanOutcome;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.liquidj.framework.Mutations;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random mutations (bit flips, truncations, insertions, header edits) of valid files, fed to
 * their readers: each either reads, fails with a UserError that says what is wrong, or counts a
 * skip; never an unexpected exception. A failure names the mutation, so it can be replayed.
 */
class HostileInputFuzzTest {
  private static final int MUTATIONS = 200;

  @TempDir Path dir;

  @Test
  void safetensorsMutationsReadOrFailClearly() throws Exception {
    Path valid = dir.resolve("valid.safetensors");
    new SafetensorsWriter().metadata("format", "pt")
        .addFloats("model.embed_tokens.weight", DType.F32, new long[] {4, 3}, new float[12])
        .addFloats("model.norm.weight", DType.BF16, new long[] {3}, new float[] {1, 2, 3})
        .addFloats("half", DType.F16, new long[] {2, 1}, new float[] {1, 2})
        .addInts("input_ids", new long[] {1, 3}, new int[] {1, 2, 3})
        .write(valid);
    byte[] bytes = Files.readAllBytes(valid);
    int headerLength = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    Mutations mutations = new Mutations(21, 8 + headerLength, (b, m) -> {
      // A number of the JSON header replaced, the length prefix kept consistent.
      String header = new String(b, 8, headerLength, StandardCharsets.UTF_8);
      byte[] edited = m.replaceNumber(header).getBytes(StandardCharsets.UTF_8);
      ByteBuffer out = ByteBuffer.allocate(8 + edited.length + b.length - 8 - headerLength).order(ByteOrder.LITTLE_ENDIAN);
      return out.putLong(edited.length).put(edited).put(b, 8 + headerLength, b.length - 8 - headerLength).array();
    });
    Path file = dir.resolve("mutated.safetensors");
    for (int i = 0; i < MUTATIONS; i++) {
      Files.write(file, mutations.next(bytes));
      expectCleanOutcome("safetensors mutation " + i, () -> {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
          for (String name : f.names()) {
            switch (f.info(name).dtype()) {
              case F32, BF16, F16 -> f.readFloats(name);
              default -> f.readInts(name);
            }
          }
        }
      });
    }
  }

  @Test
  void pngMutationsDecodeOrAreSkippedOrFailClearly() throws Exception {
    byte[] png = DatasetPreparerTest.png(24, 16, Color.ORANGE);
    Mutations mutations = new Mutations(22, 33, (b, m) -> {
      // IHDR width and height (bytes 16..23) set to anything, the chunk CRC fixed so the reader believes them.
      ByteBuffer header = ByteBuffer.wrap(b);
      header.putInt(16, m.random().nextInt(1 << 16)).putInt(20, m.random().nextBoolean() ? m.random().nextInt() : 20000);
      CRC32 crc = new CRC32();
      crc.update(b, 12, 17);
      header.putInt(29, (int) crc.getValue());
      return b;
    });
    ImageFileReader imageFiles = new ImageFileReader(8, false, 8, 4, 2.0, 1_000_000);
    Path file = dir.resolve("mutated.png");
    for (int i = 0; i < MUTATIONS; i++) {
      byte[] mutated = mutations.next(png);
      expectCleanOutcome("png mutation " + i + " (prepare)", () -> {
        ImageFileReader.Result r = imageFiles.decode(mutated);
        assertNotNull(r.pixels() != null ? r.pixels() : r.skip());
      });
      Files.write(file, mutated);
      expectCleanOutcome("png mutation " + i + " (Images.read)", () -> Images.read(file));
    }
  }

  @Test
  void tarMutationsYieldRecordsOrCountedSkips() throws Exception {
    DatasetPreparerTest.Tar tar = new DatasetPreparerTest.Tar();
    tar.add("s/a.png", DatasetPreparerTest.png(8, 8, Color.RED)).add("s/a.txt", "tar red".getBytes(StandardCharsets.UTF_8));
    tar.add("s/b.png", DatasetPreparerTest.png(8, 8, Color.BLUE))
        .add("s/b.json", "{\"caption\": \"tar blue\"}".getBytes(StandardCharsets.UTF_8));
    byte[] bytes = tar.bytes();
    Mutations mutations = new Mutations(23, 512, null);
    ImageFileReader imageFiles = new ImageFileReader(8, false, 8, 4, 2.0, 1_000_000);
    Path file = dir.resolve("mutated.tar");
    for (int i = 0; i < MUTATIONS; i++) {
      Files.write(file, mutations.next(bytes));
      expectCleanOutcome("tar mutation " + i, () -> TarSamples.read(file, r -> {
        if (r.skip() == null) {
          try {
            imageFiles.decode(r.image().read());
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      }));
    }
  }

  @Test
  void shardMutationsOpenOrFailClearly() throws Exception {
    Path valid = TestData.shard(dir, "valid.lqd", List.of(TestData.pair("red", 3), Example.text(TestData.ids("hello")),
        TestData.pair("blue", 7)));
    byte[] bytes = Files.readAllBytes(valid);
    Mutations mutations = new Mutations(24, 200, null);
    Path file = dir.resolve("mutated.lqd");
    for (int i = 0; i < MUTATIONS; i++) {
      Files.write(file, mutations.next(bytes));
      expectCleanOutcome("shard mutation " + i, () -> {
        Shard.damage(file);
        Shard shard = Shard.open(file);
        for (int e = 0; e < shard.size(); e++) {
          shard.get(e);
        }
      });
    }
  }

  @Test
  void jsonlLineMutationsAreWrittenOrCountedAsSkips() throws Exception {
    Files.write(dir.resolve("red.png"), DatasetPreparerTest.png(8, 8, Color.RED));
    byte[] pair = "{\"image\": \"red.png\", \"caption\": \"a red square 42\"}".getBytes(StandardCharsets.UTF_8);
    byte[] text = "{\"text\": \"hello world, 7 times\"}".getBytes(StandardCharsets.UTF_8);
    Mutations mutations = new Mutations(25, pair.length, null);
    ByteArrayOutputStream manifest = new ByteArrayOutputStream();
    ByteArrayOutputStream corpus = new ByteArrayOutputStream();
    for (int i = 0; i < MUTATIONS; i++) {
      manifest.writeBytes(mutations.next(pair));
      manifest.write('\n');
      corpus.writeBytes(mutations.next(text));
      corpus.write('\n');
    }
    Files.write(dir.resolve("manifest.jsonl"), manifest.toByteArray());
    Files.write(dir.resolve("texts.jsonl"), corpus.toByteArray());
    PrepareSettings settings = new PrepareSettings(dir.resolve("out"), List.of(dir.resolve("manifest.jsonl")),
        List.of(dir.resolve("texts.jsonl")), dir, dir, "test", 8, false, 4, 2.0, 1_000_000, 64, 16, 2);
    List<PrepareCounts> total = new ArrayList<>();
    expectCleanOutcome("jsonl mutations", () -> total.add(new DatasetPreparer(settings, new CharTokenizer(),
        new AverageColourQuantizer(), new DatasetPreparer.Listener() {
          @Override
          public void records(int n, PrepareCounts shardSoFar) {}

          @Override
          public void shard(String name, boolean resumed) {}
        }).run()));
    PrepareCounts counts = total.get(0);
    assertEquals(counts.records(), counts.writtenCount() + counts.skippedTotal(), counts.summary());
  }
}
