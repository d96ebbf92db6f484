package io.liquidj.recipes.generate;

import io.liquidj.backbones.llama.LlamaBackbone;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneCheckpoints;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.tokenizers.text.BpeTrainer;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/** The model these tests generate with: tiny-llama extended by the fixture VQGAN's 128 codes, seed-7 weights. */
final class TinyModelFolders {
  private TinyModelFolders() {}

  /** Writes config.json and model.safetensors into {@code folder}, as a trainer's export has them. */
  static void saveWeights(Path folder) throws Exception {
    ModelConfig config = VocabularyExtension.extendedConfig(Backbones.shape("tiny-llama"),
        VocabularyExtension.Plan.appended(128));
    Backbone llama = new LlamaBackbone(config, Precision.F32);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      var store = BackboneVariables.create(Ops.create(g), llama, 7);
      store.initializeAll(s);
      BackboneCheckpoints.save(s, store.weights(), llama, folder, false);
    }
  }

  /** Adds a BPE tokenizer, trained on three captions, to {@code folder}. */
  static void addTokenizer(Path folder) throws Exception {
    BpeTrainer.write(List.of("a red square", "a blue circle on a green background", "a yellow triangle"), 512, folder);
  }
}
