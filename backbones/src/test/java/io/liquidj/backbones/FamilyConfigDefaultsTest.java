package io.liquidj.backbones;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.backbone.ModelConfig;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What the families' transformers configs derive when config.json leaves it out: which layers use
 * sliding-window attention, tied embeddings, Gemma's activation.
 */
class FamilyConfigDefaultsTest {
  private static ObjectNode config(String modelType) {
    ObjectNode json = new ObjectMapper().createObjectNode();
    json.put("model_type", modelType).put("vocab_size", 32).put("hidden_size", 8).put("intermediate_size", 16)
        .put("num_hidden_layers", 4).put("num_attention_heads", 2).put("sliding_window", 16);
    return json;
  }

  private static ModelConfig completed(ObjectNode json) {
    return NamedShapesTest.registry().complete(ModelConfig.fromJson(json, "test config.json"));
  }

  private static List<Boolean> sliding(ObjectNode json) {
    ModelConfig config = completed(json);
    return IntStream.range(0, config.numHiddenLayers()).mapToObj(config::isSlidingLayer).toList();
  }

  @Test
  void gemma2WithoutLayerTypesSlidesOnEvenLayers() {
    assertEquals(List.of(true, false, true, false), sliding(config("gemma2")));
  }

  @Test
  void qwen2IgnoresTheWindowUnlessUseSlidingWindowIsSet() {
    assertEquals(List.of(false, false, false, false), sliding(config("qwen2")));
    ObjectNode marked = config("qwen2");
    marked.putArray("layer_types").add("full_attention").add("sliding_attention").add("full_attention")
        .add("sliding_attention");
    assertEquals(List.of(false, false, false, false), sliding(marked));
  }

  @Test
  void qwen2SlidesFromMaxWindowLayersOn() {
    ObjectNode json = config("qwen2").put("use_sliding_window", true).put("max_window_layers", 2);
    assertEquals(List.of(false, false, true, true), sliding(json));
    // Qwen2Config's default max_window_layers is 28: a 4-layer model then has no sliding layer.
    assertEquals(List.of(false, false, false, false), sliding(config("qwen2").put("use_sliding_window", true)));
  }

  @Test
  void layerTypesWinWhenPresent() {
    ObjectNode json = config("qwen2").put("use_sliding_window", true).put("max_window_layers", 0);
    json.putArray("layer_types").add("sliding_attention").add("full_attention").add("full_attention")
        .add("full_attention");
    assertEquals(List.of(true, false, false, false), sliding(json));
  }

  @Test
  void llamaHasNoSlidingLayers() {
    assertEquals(List.of(false, false, false, false), sliding(config("llama").put("sliding_window", 0)));
  }

  @Test
  void gemmaFamiliesTieEmbeddingsUnlessTheFileSaysOtherwise() {
    assertTrue(completed(config("gemma")).tieWordEmbeddings());
    assertTrue(completed(config("gemma2")).tieWordEmbeddings());
    assertFalse(completed(config("gemma").put("tie_word_embeddings", false)).tieWordEmbeddings());
    assertFalse(completed(config("llama")).tieWordEmbeddings());
  }

  @Test
  void gemmaRunsTheTanhGeluWhateverHiddenActSays() {
    assertEquals("gelu_pytorch_tanh", completed(config("gemma").put("hidden_act", "gelu")).hiddenActivation());
    assertEquals("gelu", completed(config("gemma").put("hidden_activation", "gelu")).hiddenActivation());
  }
}
