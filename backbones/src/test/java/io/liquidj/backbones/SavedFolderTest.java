package io.liquidj.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.backbones.llama.LlamaBackbone;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.backbone.BackboneCheckpoints;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A saved folder names its transformers class and reads back, in liquidj, as the model that wrote it. */
class SavedFolderTest {
  private static final int[][] IDS = {{1, 17, 300, 42, 5, 2}};

  /** Every component but where the config came from and the JSON it was read from. */
  private static Map<String, Object> architecture(ModelConfig config) throws ReflectiveOperationException {
    Map<String, Object> fields = new LinkedHashMap<>();
    for (RecordComponent c : ModelConfig.class.getRecordComponents()) {
      if (!c.getName().equals("source") && !c.getName().equals("raw")) {
        fields.put(c.getName(), c.getAccessor().invoke(config));
      }
    }
    return fields;
  }

  private static ModelConfig shape(String name) {
    return Backbones.shape(Fixtures.projectRoot().resolve("conf/backbones/" + name + ".conf").toString());
  }

  @Test
  void savedNamedShapeReloadsWithTheSameConfigAndLogits(@TempDir Path dir) throws Exception {
    Backbones registry = NamedShapesTest.registry();
    ModelConfig shape = registry.complete(shape("tiny-llama"));
    Path saved = dir.resolve("model");
    float[] before;
    try (FixtureModel m = new FixtureModel(shape, null, LlamaBackbone::new, Precision.F32)) {
      before = m.logits(IDS);
      BackboneCheckpoints.save(m.session, m.weights, m.backbone, saved, false);
    }
    ModelConfig reread = registry.complete(ModelConfig.read(saved));
    assertEquals(architecture(shape), architecture(reread));
    try (FixtureModel m = new FixtureModel(saved, LlamaBackbone::new, Precision.F32)) {
      assertArrayEquals(before, m.logits(IDS));
    }
  }

  @Test
  void everyFamilyNamesItsTransformersClass() throws Exception {
    Map<String, String> expected = Map.of("tiny-llama", "LlamaForCausalLM", "tiny-qwen2", "Qwen2ForCausalLM",
        "tiny-gemma", "GemmaForCausalLM", "tiny-gemma2", "Gemma2ForCausalLM");
    for (Map.Entry<String, String> e : expected.entrySet()) {
      ModelConfig config = NamedShapesTest.registry().complete(shape(e.getKey()));
      JsonNode written = new ObjectMapper().readTree(config.toJson());
      assertEquals(e.getValue(), written.get("architectures").get(0).asText(), e.getKey());
    }
  }

  @Test
  void aCheckpointsOwnArchitecturesAreKept() {
    ObjectNode json = new ObjectMapper().createObjectNode();
    json.put("model_type", "llama").put("vocab_size", 32).put("hidden_size", 8).put("intermediate_size", 16)
        .put("num_hidden_layers", 1).put("num_attention_heads", 2);
    json.putArray("architectures").add("LlamaForSequenceClassification");
    ModelConfig config = NamedShapesTest.registry().complete(ModelConfig.fromJson(json, "test"));
    assertEquals("LlamaForSequenceClassification", config.raw().get("architectures").get(0).asText());
  }
}
