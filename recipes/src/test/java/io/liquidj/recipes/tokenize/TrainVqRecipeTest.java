package io.liquidj.recipes.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.cli.LiquidCli;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import io.liquidj.framework.tokenizer.ImageBatch;
import io.liquidj.recipes.LiquidModules;
import io.liquidj.tokenizers.vqgan.VqganTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainVqRecipeTest {
  private static final Pattern LOG = Pattern.compile("step (\\d+): loss ([0-9.]+) \\(reconstruction ([0-9.]+)");

  @TempDir Path tmp;

  private int trainVq(ByteArrayOutputStream stdout, ByteArrayOutputStream stderr, String... overrides) {
    List<String> args = new ArrayList<>(List.of("train-vq"));
    args.addAll(List.of(overrides));
    return new LiquidCli(config -> LiquidModules.all(), new PrintStream(stdout, true, StandardCharsets.UTF_8),
        new PrintStream(stderr, true, StandardCharsets.UTF_8)).run(args.toArray(String[]::new));
  }

  /** Mean |x - y| + mean (x - y)^2 over two batches in [-1, 1]: the reconstruction term train-vq logs. */
  private static double reconstructionError(ImageBatch x, ImageBatch y) {
    double l1 = 0;
    double l2 = 0;
    for (int i = 0; i < x.pixels().length; i++) {
      double d = x.pixels()[i] - y.pixels()[i];
      l1 += Math.abs(d);
      l2 += d * d;
    }
    return (l1 + l2) / x.pixels().length;
  }

  /** Trains a one-level VQGAN (no downsampling) on tmp/images into {@code out}; returns what it printed. */
  private String trainTinyVq(Path out, String... overrides) {
    List<String> args = new ArrayList<>(List.of("vqgan.train.images=" + tmp.resolve("images"),
        "vqgan.train.output-dir=" + out, "vqgan.train.batch-size=4", "vqgan.train.image-size=8",
        "vqgan.train.ch-mult=[1]", "vqgan.train.embed-dim=8", "vqgan.train.n-embed=16"));
    args.addAll(List.of(overrides));
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    assertEquals(0, trainVq(stdout, stderr, args.toArray(String[]::new)), stderr.toString());
    return stdout.toString();
  }

  /** Four 8x8 two-colour images (left and right halves) written to {@code dir} as im0.png ... im3.png. */
  private static List<RgbImage> writeTwoColourImages(Path dir) throws java.io.IOException {
    int[][] colors = {{255, 0, 0}, {0, 0, 255}, {0, 200, 0}, {240, 240, 240}};
    List<RgbImage> images = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int[] left = colors[i];
      int[] right = colors[(i + 1) % 4];
      RgbImage image = RgbImage.filled(4, 8, left[0], left[1], left[2])
          .pasteOnto(RgbImage.filled(8, 8, right[0], right[1], right[2]), 0, 0);
      images.add(image);
      Images.write(image, dir.resolve("im" + i + ".png"));
    }
    return images;
  }

  /**
   * A few seconds: four 8x8 two-colour images (left and right halves), 40 steps of a one-level VQGAN
   * (no downsampling: the smallest graph, whose construction dominates).
   */
  @Test
  void trainVqLowersTheReconstructionErrorAndWritesATokenizerThatReconstructsAsWell() throws Exception {
    List<RgbImage> training = writeTwoColourImages(tmp.resolve("images"));
    Path out = tmp.resolve("vq");
    String stdout = trainTinyVq(out, "vqgan.train.steps=40", "vqgan.train.lr=5e-3", "vqgan.train.log-every=40");
    List<Double> reconstruction = LOG.matcher(stdout).results()
        .map(r -> Double.parseDouble(r.group(3))).toList();
    assertEquals(2, reconstruction.size(), stdout); // steps 1 and 40
    assertTrue(reconstruction.get(1) < 0.5 * reconstruction.get(0), "reconstruction error should halve: " + stdout);
    try (VqganTokenizer vq = VqganTokenizer.load(out)) {
      ImageBatch batch = Images.toBatch(training);
      int[][] codes = vq.encode(batch);
      assertEquals(64, codes[0].length); // 8x8 pixels, factor 1 → 8x8 codes
      for (int[] row : codes) {
        assertTrue(Arrays.stream(row).allMatch(c -> c >= 0 && c < 16), Arrays.toString(row));
      }
      // The folder holds the trained weights: they reconstruct as well as the last step did, not as the first.
      double reloaded = reconstructionError(batch, vq.decode(codes, 8, 8));
      assertTrue(reloaded < 0.5 * reconstruction.get(0), "reloaded tokenizer's reconstruction error " + reloaded
          + " vs " + reconstruction);
    }
  }

  /** Slow (~40 s, mostly graph construction: TF Java's withSubScope walks the whole graph per call). */
  @Test
  @Tag("slow")
  void trainsATinyVqganWhoseLossFallsAndWhoseOutputLoads() throws Exception {
    Path images = tmp.resolve("images");
    // Four 16x16 two-color images: left/right and top/bottom halves.
    int[][] colors = {{255, 0, 0}, {0, 0, 255}, {0, 200, 0}, {240, 240, 240}};
    for (int i = 0; i < 4; i++) {
      byte[] rgb = new byte[16 * 16 * 3];
      for (int y = 0; y < 16; y++) {
        for (int x = 0; x < 16; x++) {
          int[] c = (i % 2 == 0 ? x < 8 : y < 8) ? colors[i] : colors[(i + 1) % 4];
          for (int k = 0; k < 3; k++) {
            rgb[(y * 16 + x) * 3 + k] = (byte) c[k];
          }
        }
      }
      Images.write(new RgbImage(16, 16, rgb), images.resolve("im" + i + ".png"));
    }
    Path out = tmp.resolve("vq");
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int rc = new LiquidCli(config -> LiquidModules.all(), new PrintStream(stdout, true, StandardCharsets.UTF_8),
        new PrintStream(stderr, true, StandardCharsets.UTF_8)).run("train-vq",
        "vqgan.train.images=" + images, "vqgan.train.output-dir=" + out, "vqgan.train.steps=60", "vqgan.train.batch-size=4",
        "vqgan.train.image-size=16", "vqgan.train.ch-mult=[1,2]", "vqgan.train.embed-dim=8", "vqgan.train.n-embed=16",
        "vqgan.train.lr=2e-3", "vqgan.train.log-every=10");
    assertEquals(0, rc, stderr.toString());
    Matcher m = Pattern.compile("step (\\d+): loss ([0-9.]+)").matcher(stdout.toString());
    List<Double> losses = m.results().map(r -> Double.parseDouble(r.group(2))).toList();
    assertEquals(7, losses.size(), stdout.toString()); // steps 1, 10, ..., 60
    assertTrue(losses.get(6) < 0.75 * losses.get(0), "loss should fall by a quarter: " + stdout);
    try (VqganTokenizer vq = VqganTokenizer.load(out)) {
      assertEquals(16, vq.codebookSize());
      int[][] codes = vq.encode(Images.toBatch(List.of(Images.read(images.resolve("im0.png")))));
      assertEquals(64, codes[0].length); // 16x16 image, factor 2 → 8x8 codes
    }
  }

  @Test
  void anOutputFolderHoldingOtherFilesIsRefusedBeforeTrainingNamingTheKey() throws Exception {
    Path out = Files.createDirectories(tmp.resolve("my-vq"));
    Path weights = Files.writeString(out.resolve("vqgan.ckpt"), "downloaded weights");
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int rc = new LiquidCli(config -> LiquidModules.all(), new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(stderr, true, StandardCharsets.UTF_8)).run("train-vq",
        "vqgan.train.images=" + tmp.resolve("images"), "vqgan.train.output-dir=" + out);
    assertEquals(2, rc);
    assertTrue(stderr.toString().contains("vqgan.train.output-dir = " + out + " already holds files liquidj did not write")
        && stderr.toString().contains("vqgan.train.overwrite=true"), stderr.toString());
    assertTrue(Files.isRegularFile(weights));
  }

  @Test
  void randomCropsAreSquaresOfTheImageAtOffsetsOnTheCodeGrid() {
    // Each pixel holds its own coordinates, so a crop shows where it was taken.
    byte[] rgb = new byte[32 * 32 * 3];
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        rgb[(y * 32 + x) * 3] = (byte) x;
        rgb[(y * 32 + x) * 3 + 1] = (byte) y;
      }
    }
    RgbImage image = new RgbImage(32, 32, rgb);
    java.util.Set<String> offsets = new java.util.TreeSet<>();
    java.util.Random random = new java.util.Random(0);
    for (int i = 0; i < 500; i++) {
      RgbImage crop = TrainVqRecipe.randomCrop(image, 16, 4, random);
      assertEquals(16, crop.width());
      assertEquals(16, crop.height());
      int x0 = crop.get(0, 0, 0);
      int y0 = crop.get(0, 0, 1);
      assertEquals(x0 + 15, crop.get(15, 15, 0));
      assertEquals(y0 + 15, crop.get(15, 15, 1));
      offsets.add(x0 + "," + y0);
    }
    // Offsets 0, 4, ..., 16 on each axis: all 25 are drawn, none off the grid.
    assertEquals(25, offsets.size(), offsets.toString());
    assertTrue(offsets.stream().allMatch(o -> Arrays.stream(o.split(",")).mapToInt(Integer::parseInt)
        .allMatch(v -> v % 4 == 0 && v <= 16)), offsets.toString());
    assertTrue(image == TrainVqRecipe.randomCrop(image, 32, 4, random), "a crop of the whole image is the image");
  }

  @Test
  void trainingOnCropsWritesATokenizerForTheWholeImageSize() throws Exception {
    Path images = tmp.resolve("images");
    writeTwoColourImages(images);
    Path out = tmp.resolve("vq");
    String stdout = trainTinyVq(out, "vqgan.train.steps=2", "vqgan.train.crop-size=4", "vqgan.train.log-every=1");
    assertTrue(stdout.contains("4 images of 8x8") && stdout.contains("random 4x4 crops"), stdout);
    assertEquals(8, new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("config.json").toFile())
        .path("ddconfig").path("resolution").asInt()); // the images' size, not the crops'
    try (VqganTokenizer vq = VqganTokenizer.load(out)) {
      assertEquals(64, vq.encode(Images.toBatch(List.of(Images.read(images.resolve("im0.png")))))[0].length);
    }
  }

  @Test
  void aCropSizeOffTheCodeGridIsRefusedNamingTheKey() {
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int rc = trainVq(new ByteArrayOutputStream(), stderr, "vqgan.train.images=" + tmp, "vqgan.train.output-dir=" + tmp.resolve("vq"),
        "vqgan.train.image-size=32", "vqgan.train.crop-size=18", "vqgan.train.ch-mult=[1,2,2]");
    assertEquals(2, rc);
    assertTrue(stderr.toString().contains("crop-size") && stderr.toString().contains("multiple of the downsample factor 4"),
        stderr.toString());
  }
}
