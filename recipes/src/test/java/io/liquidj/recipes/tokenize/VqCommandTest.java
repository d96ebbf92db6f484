package io.liquidj.recipes.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.cli.LiquidCli;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.tokenizer.ImageBatch;
import io.liquidj.recipes.LiquidModules;
import io.liquidj.tokenizers.vqgan.VqganTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./liquid vq} end to end on testdata/vqgan. */
class VqCommandTest {
  private static final Path DIR = Fixtures.fixture("vqgan");
  private static final Path IO = DIR.resolve("io.safetensors");

  @TempDir Path tmp;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return new LiquidCli(config -> LiquidModules.all(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
  }

  private static float maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    float max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  @Test
  void safetensorsEncodeAndDecodeReproduceTheFixture() {
    Path encoded = tmp.resolve("encoded.safetensors");
    assertEquals(0, run("vq", DIR.toString(), "encode", IO.toString(), encoded.toString()), err.toString());
    Path decoded = tmp.resolve("decoded.safetensors");
    assertEquals(0, run("vq", DIR.toString(), "decode", IO.toString(), decoded.toString()), err.toString());
    try (SafetensorsFile expected = SafetensorsFile.open(IO);
        SafetensorsFile enc = SafetensorsFile.open(encoded);
        SafetensorsFile dec = SafetensorsFile.open(decoded)) {
      assertTrue(maxAbsDiff(expected.readFloats("pre_quant"), enc.readFloats("pre_quant")) <= 1e-4);
      int[] want = expected.readInts("codes");
      int[] got = enc.readInts("codes");
      int equal = 0;
      for (int i = 0; i < want.length; i++) {
        equal += want[i] == got[i] ? 1 : 0;
      }
      assertTrue(equal >= 0.99 * want.length, equal + " of " + want.length);
      assertTrue(maxAbsDiff(expected.readFloats("decoded"), dec.readFloats("decoded")) <= 1e-4);
    }
    assertTrue(out.toString().contains("into 16x16 codes"), out.toString());
  }

  @Test
  void pngEncodesToJsonThatDecodesToAPng() throws Exception {
    Path png = tmp.resolve("in.png");
    try (SafetensorsFile io = SafetensorsFile.open(IO)) {
      Images.write(Images.fromBatch(new ImageBatch(io.readFloats("image"), 1, 64, 64), 0), png);
    }
    Path json = tmp.resolve("codes.json");
    // center-crop to config.json's resolution (64): the 64x64 image passes unchanged
    assertEquals(0, run("vq", DIR.toString(), "encode", png.toString(), json.toString()), err.toString());
    JsonNode written = new ObjectMapper().readTree(json.toFile());
    assertEquals("[16,16]", written.get("grid").toString());
    int[] codes = new int[written.get("codes").get(0).size()];
    Arrays.setAll(codes, i -> written.get("codes").get(0).get(i).asInt());
    Path back = tmp.resolve("back.png");
    assertEquals(0, run("vq", DIR.toString(), "decode", json.toString(), back.toString(), "--grid", "16x16"), err.toString());
    try (VqganTokenizer vq = VqganTokenizer.load(DIR)) {
      assertArrayEquals(vq.encode(Images.toBatch(List.of(Images.read(png))))[0], codes);
      RgbImage expected = Images.fromBatch(vq.decode(new int[][] {codes}, 16, 16), 0);
      RgbImage image = Images.read(back);
      assertEquals(64, image.width());
      assertEquals(64, image.height());
      int worst = 0;
      for (int i = 0; i < expected.rgb().length; i++) {
        worst = Math.max(worst, Math.abs((image.rgb()[i] & 0xff) - (expected.rgb()[i] & 0xff)));
      }
      assertTrue(worst <= 1, "the PNG differs from the decode of its codes by " + worst + " levels");
    }
  }

  @Test
  void badGridIsAUserError() {
    assertEquals(2, run("vq", DIR.toString(), "decode", IO.toString(), tmp.resolve("x.png").toString(), "--grid", "16by16"));
    assertTrue(err.toString().contains("--grid must be HxW"), err.toString());
  }
}
