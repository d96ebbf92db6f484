package io.liquidj.framework.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.liquidj.framework.Fixtures;
import io.liquidj.framework.backbone.ParameterSpec;
import io.liquidj.framework.safetensors.Checkpoint;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

class VariableStoreTest {
  @Test
  void loadsCheckpointTensorsIntoNamedVariables() {
    try (Graph g = new Graph(); Session s = new Session(g);
        Checkpoint ckpt = Checkpoint.open(Fixtures.fixture("hf/llama3"))) {
      Ops tf = Ops.create(g);
      VariableStore store = new VariableStore(tf);
      store.create(new ParameterSpec("model.norm.weight", new long[] {64}), (o, spec) -> o.zeros(o.constant(spec.shape()), org.tensorflow.types.TFloat32.class));
      store.create(new ParameterSpec("model.layers.0.self_attn.k_proj.weight", new long[] {32, 64}), (o, spec) -> o.zeros(o.constant(spec.shape()), org.tensorflow.types.TFloat32.class));
      store.load(s, ckpt, Function.identity());
      assertArrayEquals(ckpt.readFloats("model.norm.weight"), store.read(s, "model.norm.weight"));
      assertArrayEquals(ckpt.readFloats("model.layers.0.self_attn.k_proj.weight"),
          store.read(s, "model.layers.0.self_attn.k_proj.weight"));
    }
  }
}
