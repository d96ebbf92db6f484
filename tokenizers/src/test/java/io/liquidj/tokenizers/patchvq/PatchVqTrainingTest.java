package io.liquidj.tokenizers.patchvq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.UserError;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PatchVqTrainingTest {
  private static final int[][] COLOURS = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};

  /** 8×8 images whose four 4×4 quadrants are each one of four colours, in a different order per image. */
  private static List<RgbImage> quadrantImages() {
    List<RgbImage> images = new ArrayList<>();
    for (int shift = 0; shift < 4; shift++) {
      RgbImage image = RgbImage.filled(8, 8, 0, 0, 0);
      for (int q = 0; q < 4; q++) {
        int[] c = COLOURS[(q + shift) % 4];
        image = RgbImage.filled(4, 4, c[0], c[1], c[2]).pasteOnto(image, q % 2 * 4, q / 2 * 4);
      }
      images.add(image);
    }
    return images;
  }

  @Test
  void kMeansFindsTheFourColouredPatchesAndReconstructsThemExactly() {
    List<RgbImage> images = quadrantImages();
    PatchVqTraining.Result r = PatchVqTraining.train(images, new PatchVqConfig(4, 4, 8), 20, 1000, 0);
    assertEquals(16, r.patches());
    assertEquals(4, r.distinctCodes());
    assertEquals(0, r.meanSquaredError(), 1e-12);
    var batch = Images.toBatch(images);
    int[][] codes = r.tokenizer().encode(batch);
    Set<Integer> used = new HashSet<>();
    for (int[] c : codes) {
      for (int code : c) {
        used.add(code);
      }
    }
    assertEquals(4, used.size());
    float[] back = r.tokenizer().decode(codes, 2, 2).pixels();
    for (int i = 0; i < back.length; i++) {
      assertEquals(batch.pixels()[i], back[i], 1e-6, "pixel " + i);
    }
  }

  @Test
  void fewerDistinctPatchesThanCodesIsRefusedNamingTheKey() {
    UserError e = assertThrows(UserError.class,
        () -> PatchVqTraining.train(quadrantImages(), new PatchVqConfig(4, 5, 8), 20, 1000, 0));
    assertTrue(e.getMessage().contains("4 distinct 4x4 patches") && e.getMessage().contains("patch-vq.train.n-embed"),
        e.getMessage());
  }

  @Test
  void maxPatchesLimitsTheDrawAndTheSeedMakesItRepeatable() {
    List<RgbImage> images = quadrantImages();
    PatchVqTraining.Result a = PatchVqTraining.train(images, new PatchVqConfig(4, 2, 8), 20, 10, 7);
    PatchVqTraining.Result b = PatchVqTraining.train(images, new PatchVqConfig(4, 2, 8), 20, 10, 7);
    assertEquals(10, a.patches());
    int[][] codes = {{0, 1, 1, 0}};
    assertTrue(java.util.Arrays.equals(a.tokenizer().decode(codes, 2, 2).pixels(), b.tokenizer().decode(codes, 2, 2).pixels()));
  }
}
