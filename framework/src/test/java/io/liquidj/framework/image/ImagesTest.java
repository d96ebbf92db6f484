package io.liquidj.framework.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.UserError;
import io.liquidj.framework.tokenizer.ImageBatch;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
  @TempDir Path dir;

  private static RgbImage random(int w, int h, long seed) {
    byte[] rgb = new byte[w * h * 3];
    new Random(seed).nextBytes(rgb);
    return new RgbImage(w, h, rgb);
  }

  @Test
  void pngRoundTripKeepsEveryByte() throws Exception {
    RgbImage image = random(7, 5, 1);
    Path png = dir.resolve("a.png");
    Images.write(image, png);
    assertArrayEquals(image.rgb(), Images.read(png).rgb());
  }

  @Test
  void jpegIsWrittenAndReadBackClose() throws Exception {
    RgbImage image = RgbImage.filled(16, 16, 200, 100, 50);
    Path jpg = dir.resolve("a.jpg");
    Images.write(image, jpg);
    RgbImage back = Images.read(jpg);
    assertEquals(16, back.width());
    assertTrue(Math.abs(back.get(8, 8, 0) - 200) <= 3, "red " + back.get(8, 8, 0));
  }

  @Test
  void transparencyIsBlendedOntoWhiteAsChameleonDoes() throws Exception {
    BufferedImage rgba = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
    rgba.setRGB(0, 0, 0x00000000); // fully transparent black → white
    rgba.setRGB(1, 0, 0x80000000); // alpha 128 black → (1 - 128/255)·255 = 127
    rgba.setRGB(2, 0, 0xff102030); // opaque → unchanged
    Path png = dir.resolve("rgba.png");
    ImageIO.write(rgba, "png", png.toFile());
    RgbImage image = Images.read(png);
    assertEquals(255, image.get(0, 0, 0));
    assertEquals(127, image.get(1, 0, 1));
    assertEquals(0x20, image.get(2, 0, 1));
  }

  @Test
  void grayPngKeepsItsValues() throws Exception {
    BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(0, 0, 0, 50);
    gray.getRaster().setSample(1, 0, 0, 200);
    Path png = dir.resolve("gray.png");
    ImageIO.write(gray, "png", png.toFile());
    RgbImage image = Images.read(png);
    assertEquals(50, image.get(0, 0, 2));
    assertEquals(200, image.get(1, 0, 0));
  }

  @Test
  void unreadableFileIsAUserErrorNamingIt() throws Exception {
    Path bad = dir.resolve("bad.png");
    java.nio.file.Files.writeString(bad, "not an image");
    UserError e = assertThrows(UserError.class, () -> Images.read(bad));
    assertTrue(e.getMessage().contains("bad.png"), e.getMessage());
  }

  @Test
  void batchMapsBytesToMinusOneOneAndBack() {
    RgbImage a = random(4, 3, 2);
    RgbImage b = random(4, 3, 3);
    ImageBatch batch = Images.toBatch(List.of(a, b));
    assertEquals(2, batch.batch());
    // NCHW: image 1, channel 2, pixel (x=1, y=2)
    assertEquals(b.get(1, 2, 2) / 255.0 * 2 - 1, batch.pixels()[(1 * 3 + 2) * 12 + 2 * 4 + 1], 1e-7);
    assertArrayEquals(b.rgb(), Images.fromBatch(batch, 1).rgb());
    assertArrayEquals(a.rgb(), Images.fromBatch(batch, 0).rgb());
  }

  @Test
  void fromBatchClampsAndRounds() {
    ImageBatch batch = new ImageBatch(new float[] {-3f, 2f, 0f}, 1, 1, 1);
    RgbImage image = Images.fromBatch(batch, 0);
    assertEquals(0, image.get(0, 0, 0));
    assertEquals(255, image.get(0, 0, 1));
    assertEquals(128, image.get(0, 0, 2)); // 127.5 rounds up
  }

  @Test
  void readRefusesAnImageDeclaringTooManyPixelsBeforeDecoding() throws Exception {
    Path bomb = dir.resolve("bomb.png");
    java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "png", png);
    java.nio.file.Files.write(bomb, TestImages.hugeHeaderPng(png.toByteArray()));
    UserError e = assertThrows(UserError.class, () -> Images.read(bomb));
    assertTrue(e.getMessage().contains("bomb.png is 20000x20000"), e.getMessage());
  }
}
