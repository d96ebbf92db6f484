package io.liquidj.framework.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.Fixtures;
import io.liquidj.framework.UserError;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
  @TempDir Path dir;

  @Test
  void readsEveryHuggingFaceFixture() {
    for (String family : List.of("llama3", "qwen2.5", "gemma", "gemma2")) {
      try (SafetensorsFile f = SafetensorsFile.open(Fixtures.fixture("hf/" + family + "/model.safetensors"))) {
        assertEquals("pt", f.metadata().get("format"));
        TensorInfo embed = f.info("model.embed_tokens.weight");
        assertEquals(DType.F32, embed.dtype());
        assertArrayEquals(new long[] {512, 64}, embed.shape());
        float[] values = f.readFloats("model.embed_tokens.weight");
        assertEquals(512 * 64, values.length);
        assertTrue(Arrays.stream(toDoubles(values)).anyMatch(v -> v != 0), family);
      }
    }
  }

  @Test
  void writeThenReadRoundTripsEveryDtypeAndMetadata() throws Exception {
    float[] values = {1f, -2.5f, 3.25f, 0f, 65504f, -1e-3f};
    Path file = dir.resolve("t.safetensors");
    new SafetensorsWriter()
        .metadata("format", "pt")
        .addFloats("f32", DType.F32, new long[] {2, 3}, values)
        .addFloats("bf16", DType.BF16, new long[] {6}, values)
        .addFloats("f16", DType.F16, new long[] {6}, values)
        .addInts("ids", new long[] {3}, new int[] {7, -1, 42})
        .add("bytes", DType.U8, new long[] {2}, ByteBuffer.wrap(new byte[] {(byte) 255, 1}))
        .write(file);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertEquals("pt", f.metadata().get("format"));
      assertArrayEquals(values, f.readFloats("f32"));
      assertArrayEquals(values, f.readFloats("f16"), 0.05f);
      float[] bf = f.readFloats("bf16");
      for (int i = 0; i < values.length; i++) {
        assertEquals(values[i], bf[i], Math.abs(values[i]) / 128 + 1e-6, "bf16[" + i + "]");
      }
      assertArrayEquals(new int[] {7, -1, 42}, f.readInts("ids"));
      assertArrayEquals(new int[] {255, 1}, f.readInts("bytes"));
      assertEquals(List.of("f32", "bf16", "f16", "ids", "bytes"), f.names());
    }
  }

  @Test
  void fileShorterThanHeaderLengthIsRejected() throws Exception {
    Path file = dir.resolve("short.safetensors");
    Files.write(file, new byte[] {1, 2, 3});
    UserError e = openingFails(file);
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void headerLengthPastEndOfFileIsRejected() throws Exception {
    UserError e = openingFails(write("hdr.safetensors", 1_000_000, "{}", 0));
    assertTrue(e.getMessage().contains("header length 1000000"), e.getMessage());
  }

  @Test
  void truncatedDataIsRejectedNotReadOutOfBounds() throws Exception {
    Path good = Fixtures.fixture("hf/llama3/model.safetensors");
    byte[] bytes = Files.readAllBytes(good);
    Path cut = dir.resolve("cut.safetensors");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length - 100));
    UserError e = openingFails(cut);
    assertTrue(e.getMessage().contains("out of range"), e.getMessage());
  }

  @Test
  void overlappingOffsetsAreRejected() throws Exception {
    String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
    UserError e = openingFails(write("overlap.safetensors", -1, header, 12));
    assertTrue(e.getMessage().contains("overlap"), e.getMessage());
  }

  @Test
  void unknownDtypeIsRejectedByName() throws Exception {
    String header = "{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,2]}}";
    UserError e = openingFails(write("dtype.safetensors", -1, header, 2));
    assertTrue(e.getMessage().contains("unknown dtype \"Q4\""), e.getMessage());
  }

  @Test
  void shapeThatDisagreesWithByteCountIsRejected() throws Exception {
    String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
    UserError e = openingFails(write("shape.safetensors", -1, header, 8));
    assertTrue(e.getMessage().contains("needs 12 bytes"), e.getMessage());
  }

  @Test
  void shapeWhoseElementCountOverflowsIsRejectedNamingFileAndTensor() throws Exception {
    String header = "{\"huge\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],\"data_offsets\":[0,8]}}";
    UserError e = openingFails(write("overflow.safetensors", -1, header, 8));
    assertTrue(e.getMessage().contains("overflow.safetensors") && e.getMessage().contains("\"huge\"")
        && e.getMessage().contains("too many elements"), e.getMessage());
  }

  @Test
  void missingTensorNamesTheFile() {
    try (SafetensorsFile f = SafetensorsFile.open(Fixtures.fixture("hf/llama3/model.safetensors"))) {
      UserError e = assertThrows(UserError.class, () -> f.info("lm_head.weight"));
      assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("lm_head.weight"));
    }
  }

  @Test
  void shardedCheckpointReadsThroughItsIndex() throws Exception {
    Path sharded = dir.resolve("sharded");
    Files.createDirectories(sharded);
    new SafetensorsWriter().addFloats("a", DType.F32, new long[] {2}, new float[] {1, 2}).write(sharded.resolve("model-00001-of-00002.safetensors"));
    new SafetensorsWriter().addFloats("b", DType.BF16, new long[] {1}, new float[] {3}).write(sharded.resolve("model-00002-of-00002.safetensors"));
    Files.writeString(sharded.resolve("model.safetensors.index.json"),
        "{\"metadata\":{},\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}}");
    try (Checkpoint c = Checkpoint.open(sharded)) {
      assertEquals(List.of("a", "b"), c.names());
      assertArrayEquals(new float[] {1, 2}, c.readFloats("a"));
      assertArrayEquals(new float[] {3}, c.readFloats("b"));
    }
  }

  @Test
  void unusedCheckpointTensorsAreAnErrorNamingThemButRotaryCachesOnlyAWarning() throws Exception {
    Path ckpt = dir.resolve("ckpt");
    Files.createDirectories(ckpt);
    new SafetensorsWriter()
        .addFloats("model.layers.0.w", DType.F32, new long[] {1}, new float[] {1})
        .addFloats("model.layers.0.self_attn.rotary_emb.inv_freq", DType.F32, new long[] {1}, new float[] {1})
        .addFloats("model.layers.1.w", DType.F32, new long[] {1}, new float[] {1})
        .write(ckpt.resolve("model.safetensors"));
    var warnings = new java.io.ByteArrayOutputStream();
    try (Checkpoint c = Checkpoint.open(ckpt); var out = new java.io.PrintStream(warnings, true, StandardCharsets.UTF_8)) {
      UserError e = assertThrows(UserError.class, () -> c.requireAllUsed(List.of("model.layers.0.w"), out));
      assertTrue(e.getMessage().contains("model.layers.1.w") && !e.getMessage().contains("inv_freq"), e.getMessage());
      c.requireAllUsed(List.of("model.layers.0.w", "model.layers.1.w"), out);
    }
    assertTrue(warnings.toString(StandardCharsets.UTF_8).contains("rotary_emb.inv_freq"), warnings.toString());
  }

  @Test
  void anLmHeadBesideTiedEmbeddingsIsOnlyAWarningAsInTransformers() throws Exception {
    Path ckpt = dir.resolve("tied");
    Files.createDirectories(ckpt);
    new SafetensorsWriter()
        .addFloats("model.embed_tokens.weight", DType.F32, new long[] {1}, new float[] {1})
        .addFloats("lm_head.weight", DType.F32, new long[] {1}, new float[] {1})
        .write(ckpt.resolve("model.safetensors"));
    var warnings = new java.io.ByteArrayOutputStream();
    try (Checkpoint c = Checkpoint.open(ckpt); var out = new java.io.PrintStream(warnings, true, StandardCharsets.UTF_8)) {
      c.requireAllUsed(List.of("model.embed_tokens.weight"), out);
      // Without the embedding among the model's tensors, an unread LM head is a real mismatch.
      UserError e = assertThrows(UserError.class, () -> c.requireAllUsed(List.of("model.norm.weight"), out));
      assertTrue(e.getMessage().contains("lm_head.weight"), e.getMessage());
    }
    assertTrue(warnings.toString(StandardCharsets.UTF_8).contains("lm_head.weight"), warnings.toString());
  }

  @Test
  void folderWithoutWeightsListsWhatItHas() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{}");
    UserError e = assertThrows(UserError.class, () -> Checkpoint.open(dir));
    assertTrue(e.getMessage().contains("config.json"), e.getMessage());
  }

  /** Opening {@code file} fails with a user error; returns it. */
  private static UserError openingFails(Path file) {
    return assertThrows(UserError.class, () -> SafetensorsFile.open(file));
  }

  private Path write(String name, long headerLen, String header, int dataBytes) throws Exception {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(headerLen < 0 ? h.length : headerLen).put(h);
    Path file = dir.resolve(name);
    Files.write(file, b.array());
    return file;
  }

  private static double[] toDoubles(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
