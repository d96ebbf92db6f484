package io.liquidj.framework.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.UserError;
import java.io.IOException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ModelConfigTest {
  private static ObjectNode llama() throws IOException {
    return (ObjectNode) new ObjectMapper().readTree(Fixtures.fixture("hf/llama3/config.json").toFile());
  }

  private static void assertRejected(Consumer<ObjectNode> edit, String field) throws IOException {
    ObjectNode json = llama();
    edit.accept(json);
    UserError e = assertThrows(UserError.class, () -> ModelConfig.fromJson(json, "ckpt/config.json"));
    assertTrue(e.getMessage().startsWith("ckpt/config.json: ") && e.getMessage().contains("\"" + field + "\""),
        e.getMessage());
  }

  @Test
  void nonPositiveRmsNormEpsIsRejectedNamingTheField() throws IOException {
    assertRejected(j -> j.put("rms_norm_eps", -1), "rms_norm_eps");
    assertRejected(j -> j.put("rms_norm_eps", 0), "rms_norm_eps");
  }

  @Test
  void zeroOrNegativeSizesAreRejectedNamingTheField() throws IOException {
    assertRejected(j -> j.put("hidden_size", -64), "hidden_size");
    assertRejected(j -> j.put("num_hidden_layers", 0), "num_hidden_layers");
    assertRejected(j -> j.put("vocab_size", 0), "vocab_size");
    assertRejected(j -> j.put("intermediate_size", -1), "intermediate_size");
    assertRejected(j -> j.put("max_position_embeddings", 0), "max_position_embeddings");
    assertRejected(j -> j.put("num_key_value_heads", 0), "num_key_value_heads");
  }

  @Test
  void zeroAttentionHeadsIsAUserErrorNotADivisionByZero() throws IOException {
    assertRejected(j -> {
      j.put("num_attention_heads", 0);
      j.remove("head_dim");
    }, "num_attention_heads");
  }

  @Test
  void headsThatDoNotDivideAreRejected() throws IOException {
    assertRejected(j -> j.put("num_key_value_heads", 3), "num_key_value_heads");
  }

  @Test
  void oddHeadDimAndUnknownLayerTypesAreRejected() throws IOException {
    assertRejected(j -> j.put("head_dim", 15), "head_dim");
    assertRejected(j -> j.putArray("layer_types").add("full_attention").add("diagonal"), "layer_types");
    assertRejected(j -> ((ObjectNode) j.get("rope_parameters")).put("rope_theta", -10000), "rope_theta");
  }

  /** A config's architecture: every component but where it came from and the JSON it was read from. */
  static java.util.Map<String, Object> architecture(ModelConfig config) throws ReflectiveOperationException {
    java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>();
    for (java.lang.reflect.RecordComponent c : ModelConfig.class.getRecordComponents()) {
      if (!c.getName().equals("source") && !c.getName().equals("raw")) {
        fields.put(c.getName(), c.getAccessor().invoke(config));
      }
    }
    return fields;
  }

  @Test
  void writtenConfigHoldsDtypeAndRopeInTheLayoutsOfTransformers4And5() throws Exception {
    ModelConfig config = ModelConfig.fromJson(llama(), "llama3");
    ObjectNode written = (ObjectNode) new ObjectMapper().readTree(config.toJson());
    assertEquals("float32", written.get("torch_dtype").asText());
    assertEquals("float32", written.get("dtype").asText());
    assertEquals(500000.0, written.get("rope_theta").asDouble());
    assertEquals("llama3", written.get("rope_scaling").get("rope_type").asText());
    assertEquals(8.0, written.get("rope_scaling").get("factor").asDouble());
    assertEquals(32, written.get("rope_scaling").get("original_max_position_embeddings").asInt());
    assertEquals(500000.0, written.get("rope_parameters").get("rope_theta").asDouble());
    assertEquals(4.0, written.get("rope_parameters").get("high_freq_factor").asDouble());

    // Each layout alone reads back as the same architecture.
    ObjectNode v4 = written.deepCopy();
    v4.remove("rope_parameters");
    v4.remove("dtype");
    ObjectNode v5 = written.deepCopy();
    v5.remove(java.util.List.of("rope_scaling", "rope_theta", "torch_dtype"));
    assertEquals(architecture(config), architecture(ModelConfig.fromJson(v4, "4.x")));
    assertEquals(architecture(config), architecture(ModelConfig.fromJson(v5, "5.x")));
  }

  @Test
  void plainRopeIsWrittenWithANullRopeScaling() throws Exception {
    ObjectNode json = llama();
    json.remove("rope_parameters");
    json.put("rope_theta", 10000.0);
    ObjectNode written = (ObjectNode) new ObjectMapper().readTree(ModelConfig.fromJson(json, "plain").toJson());
    assertTrue(written.get("rope_scaling").isNull());
    assertEquals("default", written.get("rope_parameters").get("rope_type").asText());
    assertEquals(10000.0, written.get("rope_parameters").get("rope_theta").asDouble());
    assertEquals("default", ModelConfig.fromJson(written, "plain written").rope().type());
  }
}
