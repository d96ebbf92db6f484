package io.liquidj.recipes.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.cli.LiquidCli;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import io.liquidj.framework.tokenizer.ImageBatch;
import io.liquidj.framework.tokenizer.ImageTokenizers;
import io.liquidj.recipes.LiquidModules;
import io.liquidj.tokenizers.patchvq.PatchVqTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainPatchVqRecipeTest {
  @TempDir Path tmp;

  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

  private int run(String... args) {
    List<String> all = new ArrayList<>(List.of("train-patch-vq"));
    all.addAll(List.of(args));
    return new LiquidCli(config -> LiquidModules.all(), new PrintStream(stdout, true, StandardCharsets.UTF_8),
        new PrintStream(stderr, true, StandardCharsets.UTF_8)).run(all.toArray(String[]::new));
  }

  /** Six 8×8 images, each two colours split down the middle or across: 2×2 patches of six colours. */
  private Path writeImages() throws Exception {
    Path images = Files.createDirectories(tmp.resolve("images"));
    int[][] colors = {{220, 30, 30}, {30, 170, 50}, {30, 60, 220}, {240, 220, 40}, {245, 245, 245}, {15, 15, 15}};
    for (int i = 0; i < 6; i++) {
      int[] a = colors[i];
      int[] b = colors[(i + 1) % 6];
      RgbImage image = RgbImage.filled(8, 8, a[0], a[1], a[2]);
      image = i % 2 == 0 ? RgbImage.filled(4, 8, b[0], b[1], b[2]).pasteOnto(image, 4, 0)
          : RgbImage.filled(8, 4, b[0], b[1], b[2]).pasteOnto(image, 0, 4);
      Images.write(image, images.resolve("im" + i + ".png"));
    }
    return images;
  }

  @Test
  void fitsACodebookThatReconstructsTheTrainingImagesExactly() throws Exception {
    Path images = writeImages();
    Path out = tmp.resolve("vq");
    int rc = run("patch-vq.train.images=" + images, "patch-vq.train.output-dir=" + out, "patch-vq.train.image-size=8",
        "patch-vq.train.patch-size=2", "patch-vq.train.n-embed=6");
    assertEquals(0, rc, stderr.toString());
    assertTrue(stdout.toString().contains("k-means on 96 patches") && stdout.toString().contains("6 of 6 codes used"),
        stdout.toString());
    assertEquals("patch-vq", ImageTokenizers.kind(out, "test"));
    try (PatchVqTokenizer vq = PatchVqTokenizer.load(out)) {
      ImageBatch batch = Images.toBatch(List.of(Images.read(images.resolve("im0.png")), Images.read(images.resolve("im3.png"))));
      int[][] codes = vq.encode(batch);
      assertEquals(16, codes[0].length);
      assertArrayEquals(batch.pixels(), vq.decode(codes, 4, 4).pixels(), 1e-6f);
    }
  }

  @Test
  void anImageSizeOffThePatchGridIsRefusedInOneLineNamingTheKey() throws Exception {
    int rc = run("patch-vq.train.images=" + writeImages(), "patch-vq.train.output-dir=" + tmp.resolve("vq"),
        "patch-vq.train.image-size=10", "patch-vq.train.patch-size=4");
    assertEquals(2, rc);
    String err = stderr.toString().strip();
    assertTrue(err.contains("patch-vq.train.image-size") && err.contains("multiple of patch-size 4"), err);
    assertEquals(1, err.lines().count(), err);
  }

  @Test
  void anOutputFolderHoldingOtherFilesIsKept() throws Exception {
    Path out = Files.createDirectories(tmp.resolve("mine"));
    Path file = Files.writeString(out.resolve("notes.txt"), "mine");
    int rc = run("patch-vq.train.images=" + writeImages(), "patch-vq.train.output-dir=" + out,
        "patch-vq.train.image-size=8", "patch-vq.train.patch-size=2", "patch-vq.train.n-embed=6");
    assertEquals(2, rc);
    assertTrue(stderr.toString().contains("patch-vq.train.output-dir") && stderr.toString().contains("patch-vq.train.overwrite"),
        stderr.toString());
    assertEquals("mine", Files.readString(file));
  }
}
