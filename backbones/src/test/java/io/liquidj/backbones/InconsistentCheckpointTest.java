package io.liquidj.backbones;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.backbones.llama.LlamaBackbone;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Precision;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A config.json that does not describe its weights is refused, not silently half-loaded. */
class InconsistentCheckpointTest {
  private static final Path LLAMA = Fixtures.fixture("hf/llama3");

  @TempDir Path dir;

  @Test
  void oneLayerConfigBesideTwoLayerWeightsNamesTheUnusedTensors() throws Exception {
    ObjectNode config = (ObjectNode) new ObjectMapper().readTree(LLAMA.resolve("config.json").toFile());
    config.put("num_hidden_layers", 1);
    Files.writeString(dir.resolve("config.json"), config.toString());
    Files.copy(LLAMA.resolve("model.safetensors"), dir.resolve("model.safetensors"));
    UserError e = assertThrows(UserError.class, () -> new FixtureModel(dir, LlamaBackbone::new, Precision.F32).close());
    assertTrue(e.getMessage().contains("model.layers.1.") && e.getMessage().contains("config.json"), e.getMessage());
  }
}
