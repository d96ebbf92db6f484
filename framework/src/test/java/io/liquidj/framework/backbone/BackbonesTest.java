package io.liquidj.framework.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.UserError;
import io.liquidj.framework.tf.ParameterSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.op.Ops;

class BackbonesTest {
  /** A family that records the config it was asked for. */
  private record Recorded(ModelConfig config) implements Backbone {
    @Override
    public List<ParameterSpec> parameters() {
      return List.of();
    }

    @Override
    public LayerStack layers(Ops tf, ForwardInputs inputs) {
      throw new UnsupportedOperationException();
    }
  }

  private final Backbones backbones = new Backbones(Map.of("llama", (c, p) -> new Recorded(c),
      "gemma", (c, p) -> new Recorded(c)));

  @Test
  void checkpointConfigIsTheArchitectureWhenSet() {
    BackboneSettings settings = new BackboneSettings("no-such-shape", Optional.of(Fixtures.fixture("hf/llama3")));
    ModelConfig config = backbones.create(settings, Precision.F32).config();
    assertEquals("llama", config.modelType());
    assertEquals(64, config.hiddenSize());
    assertEquals("llama3", config.rope().type());
  }

  @Test
  void unknownModelTypeListsTheRegisteredFamilies() {
    ModelConfig qwen = ModelConfig.read(Fixtures.fixture("hf/qwen2.5"));
    UserError e = assertThrows(UserError.class, () -> backbones.create(qwen, Precision.F32));
    assertTrue(e.getMessage().contains("\"qwen2\"") && e.getMessage().contains("gemma, llama"), e.getMessage());
  }

  @Test
  void shapeFileUsesConfigJsonFieldNames(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("mine.conf");
    Files.writeString(file, "model_type = gemma\nvocab_size = 300\nhidden_size = 32\nintermediate_size = 64\n"
        + "num_hidden_layers = 1\nnum_attention_heads = 2\nhead_dim = 8\n"
        + "rope_scaling { rope_type = llama3, factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, "
        + "original_max_position_embeddings = 64 }\nrope_theta = 5e5\n");
    ModelConfig config = Backbones.shape(file.toString());
    assertEquals(300, config.vocabSize());
    assertEquals(2, config.numKeyValueHeads());
    assertEquals(8, config.headDim());
    assertEquals(500000.0, config.rope().theta());
    assertEquals(64, config.rope().originalMaxPositionEmbeddings());
  }

  @Test
  void unknownShapeNameSaysWhereItLooked() {
    UserError e = assertThrows(UserError.class, () -> Backbones.shape("llama9-1t"));
    assertTrue(e.getMessage().contains("conf/backbones/llama9-1t.conf"), e.getMessage());
  }

  @Test
  void settingsReadTheTopLevelKeys() {
    BackboneSettings s = BackboneSettings.from(ConfigFactory.parseString("backbone = tiny-gemma\ncheckpoint = \"\""));
    assertEquals("tiny-gemma", s.backbone());
    assertEquals(Optional.empty(), s.checkpoint());
    BackboneSettings withCheckpoint = BackboneSettings.from(
        ConfigFactory.parseString("backbone = tiny-gemma\ncheckpoint = /models/gemma"));
    assertEquals(Optional.of(Path.of("/models/gemma")), withCheckpoint.checkpoint());
  }

  @Test
  void defaultsNameTheTinyLlama() {
    BackboneSettings s = BackboneSettings.from(ConfigFactory.defaultReference(getClass().getClassLoader()));
    assertEquals("tiny-llama", s.backbone());
  }
}
