package io.liquidj.tokenizers.patchvq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.UserError;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import io.liquidj.framework.tf.Weights;
import io.liquidj.framework.tokenizer.ImageBatch;
import io.liquidj.framework.tokenizer.ImageTokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class PatchVqTokenizerTest {
  @TempDir Path tmp;

  /** 5 random entries of 2×2 patches, values in [-1, 1]. */
  private static PatchVqTokenizer randomTokenizer() {
    PatchVqConfig config = new PatchVqConfig(2, 5, 8);
    float[] codebook = new float[5 * config.patchValues()];
    Random random = new Random(3);
    for (int i = 0; i < codebook.length; i++) {
      codebook[i] = random.nextFloat() * 2 - 1;
    }
    return new PatchVqTokenizer(config, codebook);
  }

  @Test
  void decodingThenEncodingGivesTheCodesBack() {
    PatchVqTokenizer vq = randomTokenizer();
    int[][] codes = {{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 4, 3}, {4, 4, 4, 0, 0, 0, 2, 2, 1, 1, 3, 3}}; // 3 rows × 4 columns
    ImageBatch images = vq.decode(codes, 3, 4);
    assertEquals(6, images.height());
    assertEquals(8, images.width());
    int[][] back = vq.encode(images);
    assertArrayEquals(codes[0], back[0]);
    assertArrayEquals(codes[1], back[1]);
  }

  @Test
  void aCodeDependsOnItsOwnPatchOnly() {
    PatchVqTokenizer vq = randomTokenizer();
    Random random = new Random(5);
    float[] pixels = new float[3 * 8 * 8];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextFloat() * 2 - 1;
    }
    int[] before = vq.encode(new ImageBatch(pixels, 1, 8, 8))[0];
    // Paint the patch of cell (row 1, column 2) (pixels y 2..3, x 4..5) with entry 3 exactly.
    int[] three = vq.encode(vq.decode(new int[][] {{3}}, 1, 1))[0];
    assertEquals(3, three[0]);
    ImageBatch entry = vq.decode(new int[][] {{3}}, 1, 1);
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 2; y++) {
        for (int x = 0; x < 2; x++) {
          pixels[(c * 8 + 2 + y) * 8 + 4 + x] = entry.pixels()[(c * 2 + y) * 2 + x];
        }
      }
    }
    int[] after = vq.encode(new ImageBatch(pixels, 1, 8, 8))[0];
    for (int cell = 0; cell < 16; cell++) {
      assertEquals(cell == 1 * 4 + 2 ? 3 : before[cell], after[cell], "cell " + cell);
    }
  }

  @Test
  void theGraphDecoderDrawsWhatTheJavaDecoderDraws() {
    PatchVqTokenizer vq = randomTokenizer();
    int[][] codes = {{0, 1, 2, 3, 4, 0}, {4, 3, 2, 1, 0, 4}}; // 2 rows × 3 columns
    float[] expected = vq.decode(codes, 2, 3).pixels();
    float[] codebook = vq.decode(new int[][] {{0, 1, 2, 3, 4}}, 1, 5).pixels(); // [1, 3, 2, 10] NCHW, regrouped below
    float[] entries = new float[5 * 12];
    for (int k = 0; k < 5; k++) {
      for (int y = 0; y < 2; y++) {
        for (int x = 0; x < 2; x++) {
          for (int c = 0; c < 3; c++) {
            entries[k * 12 + (y * 2 + x) * 3 + c] = codebook[(c * 2 + y) * 10 + k * 2 + x];
          }
        }
      }
    }
    PatchVq decoder = new PatchVq(vq.config());
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Weights w = name -> {
        assertEquals("patch_vq.codebook", name);
        return tf.constant(Shape.of(decoder.codebookShape()), DataBuffers.of(entries));
      };
      var images = decoder.decode(tf, w, tf.constant(codes), tf.constant(2), tf.constant(3));
      try (Result r = s.runner().fetch(images).run()) {
        TFloat32 t = (TFloat32) r.get(0);
        assertEquals(Shape.of(2, 3, 4, 6), t.shape());
        float[] out = new float[expected.length];
        t.asRawTensor().data().asFloats().read(out);
        assertArrayEquals(expected, out);
      }
    }
  }

  @Test
  void savedFolderLoadsByItsKindAndNamesItsWeights() throws Exception {
    PatchVqTokenizer vq = randomTokenizer();
    Path dir = tmp.resolve("vq");
    vq.save(dir, false);
    assertEquals(PatchVqConfig.KIND, ImageTokenizers.kind(dir, "k"));
    ImageTokenizers registry = new ImageTokenizers(Map.of(PatchVqConfig.KIND, new PatchVqTokenizerFactory()));
    var loaded = assertInstanceOf(PatchVqTokenizer.class, registry.load(dir, "k"));
    int[][] codes = {{4, 3, 2, 1}};
    assertArrayEquals(vq.decode(codes, 2, 2).pixels(), loaded.decode(codes, 2, 2).pixels());
    var decoder = registry.decoder(dir, "k");
    assertEquals(5, decoder.codebookSize());
    assertEquals(2, decoder.downsampleFactor());
    assertEquals("codebook", decoder.weightName("patch_vq.codebook"));
    assertNull(decoder.weightName("model.embed_tokens.weight"));
    try (var weights = registry.factory(dir, "k").openWeights(dir)) {
      assertTrue(weights.contains(decoder.weightName(decoder.parameters().get(0).name())));
    }
  }

  @Test
  void weightsOfTheWrongShapeAreRefusedNamingTheFileAndTheShape() throws Exception {
    Path dir = tmp.resolve("vq");
    randomTokenizer().save(dir, false);
    new SafetensorsWriter().addFloats("codebook", DType.F32, new long[] {4, 2, 2, 3}, new float[48])
        .write(dir.resolve("model.safetensors"));
    UserError e = assertThrows(UserError.class, () -> PatchVqTokenizer.load(dir));
    assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("[5, 2, 2, 3]"), e.getMessage());
  }

  @Test
  void configWithAnUnknownKeyIsRefusedNamingTheKey() throws Exception {
    Files.writeString(tmp.resolve("config.json"),
        "{\"tokenizer_kind\": \"patch-vq\", \"patch_size\": 4, \"n_embed\": 8, \"resolution\": 32, \"patchsize\": 2}");
    UserError e = assertThrows(UserError.class, () -> PatchVqConfig.read(tmp.resolve("config.json")));
    assertTrue(e.getMessage().contains("patchsize"), e.getMessage());
  }

  @Test
  void imagesOffThePatchGridAreRefused() {
    UserError e = assertThrows(UserError.class, () -> randomTokenizer().encode(new ImageBatch(new float[3 * 3 * 4], 1, 3, 4)));
    assertTrue(e.getMessage().contains("multiples of 2"), e.getMessage());
  }
}
