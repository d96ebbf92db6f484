package io.liquidj.framework.backbone;

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
}
