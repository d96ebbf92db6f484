package io.liquidj.framework.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.UserError;
import io.liquidj.framework.image.ImagePreprocessing.Mode;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImagePreprocessingTest {
  @Test
  void lanczosKeepsAConstantImageConstant() {
    RgbImage flat = RgbImage.filled(37, 23, 10, 128, 250);
    // the last size is Pillow's TestCoreResampleConsistency (512x9 → 9x512) scaled to this image
    for (int[] size : List.of(new int[] {16, 16}, new int[] {80, 50}, new int[] {5, 40}, new int[] {9, 512})) {
      RgbImage r = flat.resize(size[0], size[1]);
      for (int i = 0; i < r.rgb().length; i += 3) {
        assertEquals(10, r.rgb()[i] & 0xff);
        assertEquals(128, r.rgb()[i + 1] & 0xff);
        assertEquals(250, r.rgb()[i + 2] & 0xff);
      }
    }
  }

  /** Pillow's make_case: top-left and bottom-right quarters {@code color}, the rest 255 − color. */
  private static RgbImage pillowCase(int size, int color) {
    RgbImage image = RgbImage.filled(size, size, 255 - color, 255 - color, 255 - color);
    byte[] rgb = image.rgb();
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        if ((x < size / 2) == (y < size / 2)) {
          rgb[(y * size + x) * 3] = rgb[(y * size + x) * 3 + 1] = rgb[(y * size + x) * 3 + 2] = (byte) color;
        }
      }
    }
    return image;
  }

  /** Pillow's make_sample: the top-left quarter given, the rest mirrored (and inverted off the diagonal). */
  private static void assertPillowSample(RgbImage actual, String quarterHex) {
    String[] hex = quarterHex.trim().split("\\s+");
    int size = actual.width();
    int half = size / 2;
    for (int y = 0; y < half; y++) {
      for (int x = 0; x < half; x++) {
        int v = Integer.parseInt(hex[y * half + x], 16);
        for (int c = 0; c < 3; c++) {
          assertEquals(v, actual.get(x, y, c), "(" + x + "," + y + ")");
          assertEquals(v, actual.get(size - x - 1, size - y - 1, c));
          assertEquals(255 - v, actual.get(x, size - y - 1, c));
          assertEquals(255 - v, actual.get(size - x - 1, y, c));
        }
      }
    }
  }

  @Test
  void lanczosReproducesPillowsReduceAccuracyCase() {
    // Pillow Tests/test_image_resample.py, TestImagingCoreResampleAccuracy.test_reduce_lanczos
    assertPillowSample(pillowCase(16, 0xE1).resize(8, 8), "e1 e0 e4 d7 e0 df e3 d6 e4 e3 e7 da d7 d6 d9 ce");
  }

  @Test
  void lanczosReproducesPillowsEnlargeAccuracyCase() {
    // Pillow Tests/test_image_resample.py, TestImagingCoreResampleAccuracy.test_enlarge_lanczos
    assertPillowSample(pillowCase(6, 0xE1).resize(12, 12),
        "e1 e0 db ed f5 b8 e0 df da ec f3 b7 db db d6 e7 ee b5 ed ec e6 fb ff bf f5 f4 ee ff ff c4 b8 b7 b4 bf c4 a0");
  }

  @Test
  void lanczosCoefficientsFollowPillow() {
    // Halving: support 6 input pixels each side, output 0 centred on input 1.0 → taps start at 0.
    var taps = Lanczos.taps(16, 8);
    assertEquals(0, taps.start()[0]);
    assertEquals(7, taps.count()[0]); // xmax = int(1 + 6 + 0.5) = 7
    assertEquals(3, taps.start()[4]); // centre (4 + 0.5)·2 = 9: int(9 - 6 + 0.5) = 3
    assertEquals(12, taps.count()[4]); // int(9 + 6 + 0.5) - 3
    int sum = 0;
    for (int w : taps.weights()[4]) {
      sum += w;
    }
    assertTrue(Math.abs(sum - (1 << 22)) <= taps.count()[4], "weights sum to one in fixed point: " + sum);
    assertEquals(1.0, Lanczos.lanczos(0), 0);
    assertEquals(0.0, Lanczos.lanczos(3.0), 0); // [-3, 3)
    assertEquals(0.0, Lanczos.lanczos(1.0), 1e-15);
  }

  @Test
  void lanczosOvershootsAtAnEdgeAndClamps() {
    // A hard black/white edge upscaled ×4: Lanczos rings, so values next to the edge clamp at 0/255
    // and the transition stays monotone far from it.
    byte[] rgb = new byte[8 * 3];
    for (int x = 4; x < 8; x++) {
      rgb[x * 3] = rgb[x * 3 + 1] = rgb[x * 3 + 2] = (byte) 255;
    }
    RgbImage r = new RgbImage(8, 1, rgb).resize(32, 1);
    assertEquals(0, r.get(0, 0, 0));
    assertEquals(255, r.get(31, 0, 0));
    assertTrue(r.get(15, 0, 0) < 128 && r.get(16, 0, 0) > 128, r.get(15, 0, 0) + " " + r.get(16, 0, 0));
  }

  @Test
  void centerCropResizesTheShorterSideAndCutsTheMiddle() {
    // 100x50, left half black, right half white; target 32: resized to 64x32, crop x0 = 16.
    byte[] rgb = new byte[100 * 50 * 3];
    for (int y = 0; y < 50; y++) {
      for (int x = 50; x < 100; x++) {
        for (int c = 0; c < 3; c++) {
          rgb[(y * 100 + x) * 3 + c] = (byte) 255;
        }
      }
    }
    RgbImage out = ImagePreprocessing.apply(new RgbImage(100, 50, rgb), Mode.CENTER_CROP, 32, 16);
    assertEquals(32, out.width());
    assertEquals(32, out.height());
    assertEquals(0, out.get(4, 10, 0));
    assertEquals(255, out.get(28, 10, 0));
  }

  @Test
  void padToSquareCentresOnLiquidsGray() {
    RgbImage wide = RgbImage.filled(4, 2, 0, 0, 0);
    RgbImage square = ImagePreprocessing.padToSquare(wide);
    assertEquals(4, square.height());
    assertArrayEquals(new int[] {122, 116, 104}, new int[] {square.get(0, 0, 0), square.get(0, 0, 1), square.get(0, 0, 2)});
    assertEquals(0, square.get(0, 1, 0));
    assertEquals(0, square.get(3, 2, 0));
    assertEquals(122, square.get(3, 3, 0));
    assertEquals(8, ImagePreprocessing.apply(wide, Mode.PAD_TO_SQUARE, 8, 4).width());
  }

  @Test
  void keepSizeNeedsMultiplesOfTheFactor() {
    RgbImage ok = RgbImage.filled(32, 48, 1, 2, 3);
    assertEquals(ok, ImagePreprocessing.apply(ok, Mode.KEEP_SIZE, 0, 16));
    UserError e = assertThrows(UserError.class,
        () -> ImagePreprocessing.apply(RgbImage.filled(30, 48, 1, 2, 3), Mode.KEEP_SIZE, 0, 16));
    assertTrue(e.getMessage().contains("30x48") && e.getMessage().contains("16"), e.getMessage());
  }

  @Test
  void contactSheetPlacesImagesInAGridScaledUpWithCaptions() {
    RgbImage red = RgbImage.filled(20, 10, 255, 0, 0);
    RgbImage blue = RgbImage.filled(20, 10, 0, 0, 255);
    RgbImage sheet = ContactSheet.render(List.of(red, blue, red), List.of("a cat", "a very long caption indeed", "x"), 2);
    // 20x10 images are scaled up 8x (nearest) to a 160x80 cell.
    assertEquals(8 + 2 * 168, sheet.width());
    assertEquals(255, sheet.get(8, 8, 0));
    assertEquals(255, sheet.get(8 + 159, 8 + 79, 0));
    assertEquals(255, sheet.get(176, 8, 2));
    boolean dark = false;
    for (int x = 8; x < 168; x++) {
      for (int y = 88; y < 120; y++) {
        dark |= sheet.get(x, y, 0) < 100;
      }
    }
    assertTrue(dark, "caption text drawn under the first image");
  }

  @Test
  void longCaptionsWrapOntoAtMostThreeLines() {
    var fm = new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB).createGraphics()
        .getFontMetrics(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 14));
    List<String> lines = ContactSheet.wrap("a red circle at the top left on a blue background", fm, 100);
    assertTrue(lines.size() >= 2 && lines.size() <= 3, lines.toString());
    assertTrue(lines.get(0).startsWith("a red"), lines.toString());
    List<String> many = ContactSheet.wrap("one two three four five six seven eight nine ten eleven twelve", fm, 40);
    assertEquals(3, many.size(), many.toString());
    assertTrue(many.get(2).endsWith("…"), many.toString());
  }

  @Test
  void keepAspectFindsTheLargestGridWithinThePixelBudget() {
    // Liquid's VQGAN (factor 16) and a 512² budget: 1024 codes
    assertArrayEquals(new int[] {32, 32}, ImagePreprocessing.aspectGrid(1000, 1000, 512 * 512, 16));
    assertArrayEquals(new int[] {26, 39}, ImagePreprocessing.aspectGrid(1500, 1000, 512 * 512, 16));
    assertArrayEquals(new int[] {39, 26}, ImagePreprocessing.aspectGrid(1000, 1500, 512 * 512, 16));
    RgbImage wide = ImagePreprocessing.apply(RgbImage.filled(300, 200, 1, 2, 3), Mode.KEEP_ASPECT, 512, 16);
    assertEquals(624, wide.width());
    assertEquals(416, wide.height());
  }
}
