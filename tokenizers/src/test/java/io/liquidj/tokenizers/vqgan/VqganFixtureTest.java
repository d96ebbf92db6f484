package io.liquidj.tokenizers.vqgan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.Fixtures;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.tokenizer.ImageBatch;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Acceptance: the fixture's PyTorch outputs (testdata/vqgan/README.txt), with each weight file. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VqganFixtureTest {
  private static final Path DIR = Fixtures.fixture("vqgan");
  /** One tokenizer per weight file for the whole class (building the graph takes seconds). */
  private final Map<String, VqganTokenizer> loaded = new HashMap<>();

  private VqganTokenizer load(String weights) {
    return loaded.computeIfAbsent(weights,
        w -> VqganTokenizer.load(VqganConfig.read(DIR.resolve("config.json")), DIR.resolve(w)));
  }

  @AfterAll
  void close() {
    loaded.values().forEach(VqganTokenizer::close);
  }

  private static float maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length, "lengths");
    float max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  @ParameterizedTest
  @ValueSource(strings = {"model.safetensors", "vqgan.ckpt"})
  void encodeMatchesPreQuantAndCodes(String weights) {
    VqganTokenizer vq = load(weights);
    try (SafetensorsFile io = SafetensorsFile.open(DIR.resolve("io.safetensors"))) {
      long[] shape = io.info("image").shape(); // [1,3,64,64]
      ImageBatch image = new ImageBatch(io.readFloats("image"), 1, (int) shape[2], (int) shape[3]);
      VqganTokenizer.Encoding enc = vq.encodeWithPreQuant(image);
      float diff = maxAbsDiff(io.readFloats("pre_quant"), enc.preQuant());
      assertTrue(diff <= 1e-4, "pre_quant max abs diff " + diff);
      int[] expected = io.readInts("codes");
      int equal = 0;
      for (int i = 0; i < expected.length; i++) {
        equal += expected[i] == enc.codes()[0][i] ? 1 : 0;
      }
      assertTrue(equal >= 0.99 * expected.length, equal + " of " + expected.length + " codes equal");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"model.safetensors", "vqgan.ckpt"})
  void decodingFixtureCodesGivesDecoded(String weights) {
    VqganTokenizer vq = load(weights);
    try (SafetensorsFile io = SafetensorsFile.open(DIR.resolve("io.safetensors"))) {
      int[] codes = io.readInts("codes");
      int side = (int) Math.sqrt(codes.length);
      float[] expected = io.readFloats("decoded");
      ImageBatch raw = vq.decodeUnclamped(new int[][] {codes}, side, side);
      float diff = maxAbsDiff(expected, raw.pixels());
      assertTrue(diff <= 1e-4, "decoded max abs diff " + diff);

      float[] clampedExpected = expected.clone();
      for (int i = 0; i < clampedExpected.length; i++) {
        clampedExpected[i] = Math.max(-1f, Math.min(1f, clampedExpected[i]));
      }
      ImageBatch clamped = vq.decode(new int[][] {codes}, side, side);
      assertTrue(maxAbsDiff(clampedExpected, clamped.pixels()) <= 1e-4, "clamped decode");
    }
  }

  @Test
  void batchedEncodeAndDecodeEqualOneByOne() {
    VqganTokenizer vq = load("model.safetensors");
    try (SafetensorsFile io = SafetensorsFile.open(DIR.resolve("io.safetensors"))) {
      float[] one = io.readFloats("image");
      float[] flipped = new float[one.length];
      for (int i = 0; i < one.length; i++) {
        flipped[i] = -one[one.length - 1 - i];
      }
      float[] two = Arrays.copyOf(one, one.length * 2);
      System.arraycopy(flipped, 0, two, one.length, one.length);
      int[][] batched = vq.encode(new ImageBatch(two, 2, 64, 64));
      assertEquals(Arrays.toString(vq.encode(new ImageBatch(one, 1, 64, 64))[0]), Arrays.toString(batched[0]));
      assertEquals(Arrays.toString(vq.encode(new ImageBatch(flipped, 1, 64, 64))[0]), Arrays.toString(batched[1]));
      ImageBatch decoded = vq.decode(batched, 16, 16);
      ImageBatch second = vq.decode(new int[][] {batched[1]}, 16, 16);
      assertEquals(2, decoded.batch());
      assertTrue(maxAbsDiff(Arrays.copyOfRange(decoded.pixels(), one.length, 2 * one.length), second.pixels()) < 1e-5);
    }
  }

  @Test
  void parametersAreExactlyTheStateDictKeys() {
    Vqgan model = new Vqgan(VqganConfig.read(DIR.resolve("config.json")));
    try (SafetensorsFile weights = SafetensorsFile.open(DIR.resolve("model.safetensors"))) {
      List<String> ours = model.parameters().stream().map(ParameterSpec::name).map(n -> n.substring(6)).sorted().toList();
      assertEquals(weights.names().stream().sorted().toList(), ours);
      for (ParameterSpec p : model.parameters()) {
        assertEquals(Arrays.toString(weights.info(p.name().substring(6)).shape()), Arrays.toString(p.shape()), p.name());
      }
    }
  }
}
