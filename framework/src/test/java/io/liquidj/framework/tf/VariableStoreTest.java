package io.liquidj.framework.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.liquidj.framework.Fixtures;
import io.liquidj.framework.UserError;
import io.liquidj.framework.safetensors.Checkpoint;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
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
