package io.liquidj.framework.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetPreparerTest {
  private static final int RED = AverageColourQuantizer.codeOf(255, 0, 0);
  private static final int GREEN = AverageColourQuantizer.codeOf(0, 255, 0);
  private static final int BLUE = AverageColourQuantizer.codeOf(0, 0, 255);

  @TempDir Path dir;
  private Path out;
  private final List<String> written = new ArrayList<>();
  private final List<String> resumed = new ArrayList<>();

  @BeforeEach
  void inputs() throws IOException {
    out = dir.resolve("prepared");
    Files.write(dir.resolve("red.png"), png(16, 16, Color.RED));
    Files.write(dir.resolve("green.png"), png(12, 8, Color.GREEN));
    byte[] good = png(16, 16, Color.BLUE);
    Files.write(dir.resolve("truncated.png"), Arrays.copyOf(good, good.length / 2));
    Files.write(dir.resolve("small.png"), png(3, 3, Color.RED));
    Files.write(dir.resolve("wide.png"), png(30, 10, Color.RED));
    Files.write(dir.resolve("blue.png"), good);
    Files.writeString(dir.resolve("manifest.jsonl"), String.join("\n",
        "{\"image\": \"red.png\", \"caption\": \"red\"}",
        "{\"image\": \"green.png\", \"caption\": \"green\"}",
        "{\"image\": \"truncated.png\", \"caption\": \"cut\"}",
        "{\"image\": \"missing.png\", \"caption\": \"gone\"}",
        "{not json",
        "{\"image\": \"small.png\", \"caption\": \"small\"}",
        "{\"image\": \"wide.png\", \"caption\": \"wide\"}",
        "{\"image\": \"red.png\"}",
        "{\"image\": \"blue.png\", \"caption\": \"blue\"}") + "\n");
    Tar tar = new Tar();
    tar.add("s/a.png", png(8, 8, Color.RED)).add("s/a.txt", "tar red".getBytes(StandardCharsets.UTF_8));
    tar.add("s/b.png", png(8, 8, Color.BLUE)).add("s/b.json", "{\"caption\": \"tar blue\"}".getBytes(StandardCharsets.UTF_8));
    tar.addCorrupt("s/c.png", png(8, 8, Color.GREEN)).add("s/c.txt", "lost".getBytes(StandardCharsets.UTF_8));
    tar.add("s/d.png", png(8, 8, Color.GREEN)).add("s/d.txt", "tar green".getBytes(StandardCharsets.UTF_8));
    Files.createDirectories(dir.resolve("tars"));
    Files.write(dir.resolve("tars/000.tar"), tar.bytes());
    Files.writeString(dir.resolve("text.jsonl"),
        "{\"text\": \"hello world\"}\ngarbage\n{\"text\": \"\"}\n{\"text\": \"bye\"}\n");
  }

  private PrepareCounts prepare() throws IOException {
    PrepareSettings settings = new PrepareSettings(out, List.of(dir.resolve("manifest.jsonl"), dir.resolve("tars")),
        List.of(dir.resolve("text.jsonl")), dir, dir, "test", 8, false, 4, 2.0, 1000, 3, 2, 2);
    return new DatasetPreparer(settings, new CharTokenizer(), new AverageColourQuantizer(), new DatasetPreparer.Listener() {
      @Override
      public void records(int n, PrepareCounts shardSoFar) {}

      @Override
      public void shard(String name, boolean wasDone) {
        (wasDone ? resumed : written).add(name);
      }
    }).run();
  }

  @Test
  void badRecordsAreCountedWithTheirReasonAndGoodOnesWritten() throws IOException {
    PrepareCounts total = prepare();
    assertEquals(9 + 5 + 4, total.records());
    assertEquals(3 + 3 + 2, total.writtenCount());
    assertEquals(1, total.skipped(SkipReason.UNREADABLE));
    assertEquals(1, total.skipped(SkipReason.MISSING_FILE));
    assertEquals(2, total.skipped(SkipReason.BAD_JSON));
    assertEquals(1, total.skipped(SkipReason.TOO_SMALL));
    assertEquals(1, total.skipped(SkipReason.ASPECT_RATIO));
    assertEquals(1, total.skipped(SkipReason.MISSING_CAPTION));
    assertEquals(1, total.skipped(SkipReason.BAD_TAR_MEMBER));
    assertEquals(1, total.skipped(SkipReason.MISSING_IMAGE)); // c.txt lost its image to the corrupt header
    assertEquals(1, total.skipped(SkipReason.EMPTY_TEXT));
    assertEquals(6, total.imagesRead());
    var report = new ObjectMapper().readTree(out.resolve(DatasetPreparer.REPORT).toFile());
    assertEquals(8, report.path("total").path("written").asInt());
    assertEquals(1, report.path("total").path("skipped").path("aspect-ratio").asInt());
  }

  @Test
  void shardsHoldCaptionIdsAndImageCodes() throws IOException {
    prepare();
    assertEquals(List.of("p00-manifest-00000.lqd", "p00-manifest-00001.lqd", "p00-manifest-00002.lqd",
        "p01-000.lqd", "t00-text-00000.lqd", "t00-text-00001.lqd"), written);
    Shard first = Shard.open(out.resolve("p00-manifest-00000.lqd"));
    assertEquals(2, first.size());
    assertEquals(TestData.pair("red", RED), first.get(0));
    assertEquals(TestData.pair("green", GREEN), first.get(1)); // 12x8 resized to 12x8→8 high, centre-cropped to 8x8
    Shard tar = Shard.open(out.resolve("p01-000.lqd"));
    assertEquals(List.of(TestData.pair("tar red", RED), TestData.pair("tar blue", BLUE), TestData.pair("tar green", GREEN)),
        List.of(tar.get(0), tar.get(1), tar.get(2)));
    Shard text = Shard.open(out.resolve("t00-text-00000.lqd"));
    assertEquals(Example.text(TestData.ids("hello world")), text.get(0));
  }

  @Test
  void rerunSkipsFinishedShardsAndRewritesOnlyMissingOnes() throws IOException {
    prepare();
    byte[] before = Files.readAllBytes(out.resolve("p00-manifest-00001.lqd"));
    written.clear();
    prepare();
    assertEquals(List.of(), written);
    assertEquals(6, resumed.size());
    Files.delete(out.resolve("p00-manifest-00001.lqd"));
    written.clear();
    PrepareCounts total = prepare();
    assertEquals(List.of("p00-manifest-00001.lqd"), written);
    assertArrayEquals(before, Files.readAllBytes(out.resolve("p00-manifest-00001.lqd")));
    assertEquals(8, total.writtenCount());
  }

  @Test
  void rerunRedoesATruncatedOrDamagedShard() throws IOException {
    prepare();
    Path cut = out.resolve("p00-manifest-00001.lqd");
    Path flipped = out.resolve("t00-text-00000.lqd");
    byte[] cutBefore = Files.readAllBytes(cut);
    byte[] flippedBefore = Files.readAllBytes(flipped);
    Files.write(cut, Arrays.copyOf(cutBefore, 20)); // inside the header
    byte[] damaged = flippedBefore.clone();
    damaged[damaged.length - 20] ^= 1; // a token id, which only the checksum notices
    Files.write(flipped, damaged);
    written.clear();
    PrepareCounts total = prepare();
    assertEquals(List.of("p00-manifest-00001.lqd", "t00-text-00000.lqd"), written);
    assertArrayEquals(cutBefore, Files.readAllBytes(cut));
    assertArrayEquals(flippedBefore, Files.readAllBytes(flipped));
    assertEquals(8, total.writtenCount());
  }

  @Test
  void trainingOnATruncatedShardNamesItAndSaysToRerunPrepare() throws IOException {
    prepare();
    Path cut = out.resolve("p01-000.lqd");
    byte[] bytes = Files.readAllBytes(cut);
    for (int length : new int[] {20, bytes.length / 2, bytes.length - 1}) {
      Files.write(cut, Arrays.copyOf(bytes, length));
      UserError e = assertThrows(UserError.class, () -> PreparedDataset.open(out, TestData.TOKENIZER.size(), 64));
      assertTrue(e.getMessage().contains("p01-000.lqd") && e.getMessage().contains("rerun ./liquid prepare"),
          e.getMessage());
    }
  }

  @Test
  void preparedFoldersFeedThePackedBatchSource() throws IOException {
    prepare();
    DataSettings settings = TestData.settings("max-length = 64, reverse-ratio = 0, cfg-dropout = 0, t2i-suffix = [\"\"], "
        + "sources = [{ path = \"" + out + "\" }]");
    try (var source = PackedBatchSource.open(settings, TestData.VOCAB, TestData.TOKENIZER, 4)) {
      List<int[]> docs = PackedBatchSourceTest.documents(source.next());
      assertTrue(docs.stream().anyMatch(d -> d.length > 3 && d[d.length - 3] == TestData.VOCAB.imageToken(RED)),
          "a red image's codes appear");
    }
  }

  @Test
  void invalidUtf8LinesAndCaptionsAreSkippedAsBadUtf8WithTheirLine() throws IOException {
    byte[] latin1 = "{\"text\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
    Files.write(dir.resolve("text.jsonl"), concat("{\"text\": \"ok\"}\n".getBytes(StandardCharsets.UTF_8), latin1,
        "\n{\"text\": \"fine\"}\n".getBytes(StandardCharsets.UTF_8)));
    Files.write(dir.resolve("manifest.jsonl"), concat("{\"image\": \"red.png\", \"caption\": \"r\u00e9d\"}\n"
        .getBytes(StandardCharsets.ISO_8859_1), "{\"image\": \"red.png\", \"caption\": \"red\"}\n".getBytes(StandardCharsets.UTF_8)));
    Tar tar = new Tar();
    tar.add("s/a.png", png(8, 8, Color.RED)).add("s/a.txt", "r\u00e9d".getBytes(StandardCharsets.ISO_8859_1));
    tar.add("s/b.png", png(8, 8, Color.BLUE)).add("s/b.json", "{\"caption\": \"bl\u00fc\"}".getBytes(StandardCharsets.ISO_8859_1));
    tar.add("s/c.png", png(8, 8, Color.GREEN)).add("s/c.txt", "green".getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("tars/000.tar"), tar.bytes());
    PrepareCounts total = prepare();
    assertEquals(4, total.skipped(SkipReason.BAD_UTF8));
    assertEquals(2 + 1 + 1, total.writtenCount());
    var samples = new ObjectMapper().readTree(out.resolve(DatasetPreparer.REPORT).toFile()).path("total").path("samples");
    assertTrue(samples.toString().contains("bad-utf8: text.jsonl:2 (invalid UTF-8 at byte"), samples.toString());
    assertTrue(samples.toString().contains("bad-utf8: manifest.jsonl:1"), samples.toString());
  }

  @Test
  void imagesOverThePixelLimitAreSkippedFromTheirHeaderWithoutDecoding() throws IOException {
    Files.write(dir.resolve("big.png"), png(40, 40, Color.RED)); // 1600 pixels, over the test limit of 1000
    Files.write(dir.resolve("bomb.png"), io.liquidj.framework.image.TestImages.hugeHeaderPng(png(16, 16, Color.RED)));
    Files.writeString(dir.resolve("manifest.jsonl"), "{\"image\": \"big.png\", \"caption\": \"big\"}\n"
        + "{\"image\": \"bomb.png\", \"caption\": \"bomb\"}\n{\"image\": \"red.png\", \"caption\": \"red\"}\n");
    PrepareCounts total = prepare();
    assertEquals(2, total.skipped(SkipReason.TOO_LARGE));
    assertEquals(1 + 3 + 2, total.writtenCount());
    var samples = new ObjectMapper().readTree(out.resolve(DatasetPreparer.REPORT).toFile()).path("total").path("samples");
    assertTrue(samples.toString().contains("too-large: manifest.jsonl:2 bomb.png (20000x20000"), samples.toString());
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  static byte[] png(int w, int h, Color colour) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    var g = img.createGraphics();
    g.setColor(colour);
    g.fillRect(0, 0, w, h);
    g.dispose();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    ImageIO.write(img, "png", b);
    return b.toByteArray();
  }

  /** A minimal ustar writer for test archives. */
  static final class Tar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Tar add(String name, byte[] data) {
      return member(name, data, false);
    }

    /** A member whose header checksum is wrong. */
    Tar addCorrupt(String name, byte[] data) {
      return member(name, data, true);
    }

    private Tar member(String name, byte[] data, boolean corrupt) {
      byte[] h = new byte[512];
      put(h, 0, name);
      put(h, 100, "0000644");
      put(h, 108, "0000000");
      put(h, 116, "0000000");
      put(h, 124, String.format("%011o", data.length));
      put(h, 136, "00000000000");
      h[156] = '0';
      put(h, 257, "ustar");
      h[262] = 0;
      put(h, 263, "00");
      Arrays.fill(h, 148, 156, (byte) ' ');
      int sum = 0;
      for (byte x : h) {
        sum += x & 0xFF;
      }
      put(h, 148, String.format("%06o", sum + (corrupt ? 1 : 0)));
      h[154] = 0;
      out.writeBytes(h);
      out.writeBytes(data);
      out.writeBytes(new byte[(512 - data.length % 512) % 512]);
      return this;
    }

    byte[] bytes() {
      out.writeBytes(new byte[1024]);
      return out.toByteArray();
    }

    private static void put(byte[] h, int at, String s) {
      byte[] b = s.getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(b, 0, h, at, b.length);
    }
  }
}
