package io.liquidj.framework.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.liquidj.framework.Fixtures;
import io.liquidj.framework.UserError;
import io.liquidj.framework.safetensors.Checkpoint;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class VariableStoreTest {
  private static final VariableStore.Initializer ZEROS = (o, spec) -> o.zeros(o.constant(spec.shape()), TFloat32.class);
  private static final List<String> NAMES = List.of("model.norm.weight", "model.layers.0.self_attn.k_proj.weight",
      "model.layers.0.mlp.down_proj.weight", "model.embed_tokens.weight");

  @Test
  void loadsCheckpointTensorsIntoNamedVariables() {
    try (Graph g = new Graph(); Session s = new Session(g);
        Checkpoint ckpt = Checkpoint.open(Fixtures.fixture("hf/llama3"))) {
      VariableStore store = storeOf(g, ckpt);
      assertEquals(NAMES, store.load(s, ckpt, Function.identity()));
      for (String name : NAMES) {
        assertArrayEquals(ckpt.readFloats(name), store.read(s, name), name);
      }
    }
  }

  @Test
  void batchedLoadFillsEveryVariableWhateverTheBudget() {
    for (long budget : new long[] {1, 64 * 4 + 32 * 64 * 4, Long.MAX_VALUE}) {
      try (Graph g = new Graph(); Session s = new Session(g);
          Checkpoint ckpt = Checkpoint.open(Fixtures.fixture("hf/llama3"))) {
        VariableStore store = storeOf(g, ckpt);
        assertEquals(NAMES, store.load(s, ckpt, Function.identity(), budget));
        for (String name : NAMES) {
          assertArrayEquals(ckpt.readFloats(name), store.read(s, name), name + " with budget " + budget);
        }
      }
    }
  }

  /** A bf16 variable takes a bf16 tensor bit for bit and rounds an f32 one to nearest even; reads are f32. */
  @Test
  void bf16VariablesHoldBf16TensorsUnchangedAndRoundF32Ones(@TempDir Path dir) throws Exception {
    float[] f32 = {0f, -0f, 1f, -2.5f, 3.1415927f, 65504f, 3.3895314e38f, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, 1.0000001f, 123456.79f, -0.33333334f, 1e-3f, 7.77f, -1e10f, 0.1f};
    long[] shape = {4, 4};
    Path file = dir.resolve("bf16.safetensors");
    new SafetensorsWriter().addFloats("from_bf16", DType.BF16, shape, f32).addFloats("from_f32", DType.F32, shape, f32)
        .write(file);
    try (Graph g = new Graph(); Session s = new Session(g); SafetensorsFile ckpt = SafetensorsFile.open(file)) {
      VariableStore store = new VariableStore(Ops.create(g));
      for (String name : List.of("from_bf16", "from_f32")) {
        assertEquals(org.tensorflow.types.TBfloat16.class,
            store.create(new ParameterSpec(name, shape), ZEROS, org.tensorflow.types.TBfloat16.class).type());
      }
      store.load(s, ckpt, Function.identity());
      for (String name : List.of("from_bf16", "from_f32")) {
        float[] loaded = store.read(s, name);
        for (int i = 0; i < f32.length; i++) {
          float bf16 = Float.intBitsToFloat((io.liquidj.framework.safetensors.Conversions.floatToBf16(f32[i]) & 0xffff) << 16);
          assertEquals(Float.floatToIntBits(bf16), Float.floatToIntBits(loaded[i]), name + "[" + i + "] of " + f32[i]);
        }
      }
    }
  }

  @Test
  void halfPrecisionAndDoubleCheckpointsConvertExactlyAsTheJavaConversions(@TempDir Path dir) throws Exception {
    // Values that exercise each format's corners: signed zeros, subnormals, the largest finite values,
    // infinities, NaN, and f64 values that round to f32 (ties included).
    float[] f32 = {0f, -0f, 1f, -2.5f, 3.1415927f, 1e-8f, -6.1e-5f, 65504f, 3.3895314e38f, Float.MIN_VALUE,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1.0000001f, 123456.79f, -0.33333334f};
    double[] f64 = {0.0, -0.0, 1.0 + Math.ulp(1.0f) / 2, 1.0 + 3 * Math.ulp(1.0f) / 2, 1e-45, 1e-40, 3.4e38,
        1e300, -1e300, Double.NaN, Math.PI, -Math.E, 1.0 / 3, 7e-46, 2.5e-324, 16777217.0};
    ByteBuffer doubles = ByteBuffer.allocate(f64.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (double d : f64) {
      doubles.putDouble(d);
    }
    long[] shape = {4, 4};
    Path file = dir.resolve("mixed.safetensors");
    new SafetensorsWriter()
        .addFloats("bf16", DType.BF16, shape, f32)
        .addFloats("f16", DType.F16, shape, f32)
        .addFloats("f32", DType.F32, shape, f32)
        .add("f64", DType.F64, shape, doubles.flip())
        .write(file);
    try (Graph g = new Graph(); Session s = new Session(g); SafetensorsFile ckpt = SafetensorsFile.open(file)) {
      VariableStore store = new VariableStore(Ops.create(g));
      List<String> names = List.of("bf16", "f16", "f32", "f64");
      names.forEach(n -> store.create(new ParameterSpec(n, shape), ZEROS));
      assertEquals(names, store.load(s, ckpt, Function.identity(), 1));
      for (String name : names) {
        float[] expected = ckpt.readFloats(name);
        float[] loaded = store.read(s, name);
        for (int i = 0; i < expected.length; i++) {
          String where = name + "[" + i + "]: expected " + expected[i] + ", loaded " + loaded[i];
          if (expected[i] != 0 && Math.abs(expected[i]) < Float.MIN_NORMAL && !name.equals("f32")) {
            // TensorFlow's Cast runs with flush-to-zero, as every TensorFlow kernel does: an f32 subnormal
            // would be read as zero by the first op that uses it anyway.
            assertEquals(0f, Math.abs(loaded[i]), where);
          } else {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(loaded[i]), where);
          }
        }
      }
    }
  }

  @Test
  void anIntegerTensorIsRefusedBeforeAnyAssignment(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ints.safetensors");
    new SafetensorsWriter().addInts("model.norm.weight", new long[] {4}, new int[] {1, 2, 3, 4}).write(file);
    try (Graph g = new Graph(); Session s = new Session(g); SafetensorsFile ckpt = SafetensorsFile.open(file)) {
      VariableStore store = new VariableStore(Ops.create(g));
      store.create(new ParameterSpec("model.norm.weight", new long[] {4}), ZEROS);
      var e = assertThrows(UserError.class, () -> store.load(s, ckpt, Function.identity()));
      assertEquals("checkpoint tensor \"model.norm.weight\" has dtype I32, expected a float type (F32, BF16, F16, F64)",
          e.getMessage());
    }
  }

  @Test
  void aMissingTensorFailsBeforeAnyAssignment() {
    try (Graph g = new Graph(); Session s = new Session(g);
        Checkpoint ckpt = Checkpoint.open(Fixtures.fixture("hf/llama3"))) {
      VariableStore store = storeOf(g, ckpt);
      store.initializeAll(s);
      var e = assertThrows(UserError.class,
          () -> store.load(s, ckpt, n -> n.equals("model.embed_tokens.weight") ? "nope" : n));
      assertEquals("checkpoint has no tensor \"nope\" (needed for variable model.embed_tokens.weight)", e.getMessage());
      assertArrayEquals(new float[64], store.read(s, "model.norm.weight"));
    }
  }

  @Test
  void variableOpsAreNamedAfterTheVariableWithoutSubScopes() {
    try (Graph g = new Graph()) {
      VariableStore store = new VariableStore(Ops.create(g));
      store.create(new ParameterSpec("model.norm.weight", new long[] {4}), ZEROS);
      for (String op : List.of("model.norm.weight", "model.norm.weight_value", "model.norm.weight_assign",
          "model.norm.weight_init")) {
        assertNotNull(g.operation(op), op);
      }
    }
  }

  private static VariableStore storeOf(Graph g, Checkpoint ckpt) {
    VariableStore store = new VariableStore(Ops.create(g));
    NAMES.forEach(n -> store.create(new ParameterSpec(n, ckpt.info(n).shape()), ZEROS));
    return store;
  }
}
