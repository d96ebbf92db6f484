package io.liquidj.recipes;

import com.typesafe.config.Config;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.cli.Command;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.config.RecipeConfig;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.train.TrainingRun;
import io.liquidj.framework.train.TrainingSettings;
import io.liquidj.framework.train.VocabularyExtension;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code ./liquid train <conf>}: continued training of a backbone on packed Liquid sequences.
 *
 * <p>Setup (backbone, vocabulary, data) → loop → final checkpoint → Hugging Face export → close.
 */
final class TrainRecipe implements Command {
  private final Backbones backbones;

  @Inject
  TrainRecipe(Backbones backbones) {
    this.backbones = backbones;
  }

  @Override
  public String summary() {
    return "Train a backbone (cross-entropy + z-loss, AdamW, warmup + cosine, clipping, LoRA, exact resume, TensorBoard)";
  }

  @Override
  public List<String> configSections() {
    return List.of("backbone", "checkpoint", "trainer", "optimizer", "schedule", "lora", "freeze", "data");
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    // 1. Setup: settings, the (extended) architecture, the backbone and where its weights come from.
    Config config = invocation.config();
    TrainingSettings settings = TrainingSettings.from(config);
    BackboneSettings backboneSettings = BackboneSettings.from(config);
    ModelConfig model = backbones.config(backboneSettings);
    int imageCodes = settings.trainer().imageCodes();
    if (imageCodes > 0 && model.liquid() == null) {
      model = VocabularyExtension.extend(model, imageCodes);
    }
    MultimodalVocabulary vocabulary = model.liquid() == null ? null : MultimodalVocabulary.of(model);
    Backbone backbone = backbones.create(model, settings.trainer().precision());
    Optional<Path> checkpoint = backboneSettings.checkpoint();
    TrainingRun.ParameterLoader weights = checkpoint.isPresent()
        ? (session, parameters) -> VocabularyExtension.load(session, parameters, checkpoint.get())
        : (session, parameters) -> parameters.initializeAll(session);
    Path outputDir = settings.trainer().outputDir();

    try (BatchSource data = openData(config, vocabulary);
        TrainingRun run = new TrainingRun(backbone, vocabulary, settings, weights,
            RecipeConfig.render(config, true), invocation.out())) {
      // 2. Loop (resuming from the newest checkpoint when trainer.resume = true).
      run.resumeIfAsked(data);
      while (!run.done()) {
        run.step(data);
      }
      // 3. Final checkpoint and the trained model as a Hugging Face folder (LoRA merged).
      Path last = run.checkpoint(data);
      Path exported = run.exportModel(outputDir.resolve("model"));
      invocation.out().println("checkpoint: " + last);
      invocation.out().println("model:      " + exported);
    }
    return 0;
  }

  /** The packed training batches of the {@code data} section. */
  private static BatchSource openData(Config config, MultimodalVocabulary vocabulary) {
    throw new UserError("./liquid train needs the packed data pipeline (data.sources), which this build does not "
        + "include yet; ./liquid bench-train trains on synthetic batches");
  }
}
