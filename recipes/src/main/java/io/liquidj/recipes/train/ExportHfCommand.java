package io.liquidj.recipes.train;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneCheckpoints;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.config.ConfigReads;
import io.liquidj.framework.config.RecipeConfig;
import io.liquidj.framework.optim.LoraSettings;
import io.liquidj.framework.optim.LoraWeights;
import io.liquidj.framework.checkpoint.CheckpointManager;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.tf.VariableStore;
import io.liquidj.framework.tf.Weights;
import io.liquidj.framework.train.TrainerSettings;
import io.liquidj.recipes.model.LiquidModel;
import io.liquidj.recipes.model.LiquidModels;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/**
 * {@code ./liquid export-hf <output-dir>/checkpoints/step-N output-dir=<dir>}: a training checkpoint as a Hugging Face
 * folder, the same files the end of a run writes to {@code <output-dir>/model} (config.json, generation_config.json,
 * model.safetensors with LoRA merged, the tokenizer files), so any step loads like the final model.
 *
 * <p>The architecture, tokenizer and LoRA settings are the run's: the checkpoint's {@code config.conf} (the
 * run's resolved configuration), resolved again as {@code train} resolved it.
 */
@CommandHelp(
    summary = "Write a training checkpoint (checkpoints/step-N) as a Hugging Face model folder (output-dir=<dir>)",
    examples = {"./liquid export-hf runs/demo/train/checkpoints/step-00001000 output-dir=runs/demo-step-1000"})
public final class ExportHfCommand implements LiquidCommand {
  private final LiquidModels models;

  @Inject
  ExportHfCommand(LiquidModels models) {
    this.models = models;
  }

  @Override
  public String usage() {
    return "<checkpoints/step-N dir> output-dir=<dir>";
  }

  @Override
  public int maxArguments() {
    return 1;
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    // 1. Setup: the checkpoint, the run's configuration, its (extended) model and tokenizer.
    Path step = Path.of(invocation.argument(0, "a training checkpoint folder (<output-dir>/checkpoints/step-N)"));
    Path runConfig = step.resolve("config.conf");
    if (!Files.isRegularFile(step.resolve("model.safetensors")) || !Files.isRegularFile(runConfig)) {
      throw new UserError(step + " is not a training checkpoint: expected model.safetensors and config.conf in it "
          + "(a folder such as <output-dir>/checkpoints/step-00000100)");
    }
    Path out = outputDir(invocation.config());
    Config run = RecipeConfig.load(Optional.of(runConfig), List.of(), getClass().getClassLoader(),
        new PrintStream(new ByteArrayOutputStream()));
    TrainerSettings trainer = TrainerSettings.from(run.getConfig("trainer"));
    LoraSettings lora = LoraSettings.from(run.getConfig("lora"));
    LiquidModel model = models.resolve(BackboneSettings.from(run), "trainer.tokenizer",
        ConfigReads.optionalPath(run.getConfig("trainer"), "tokenizer"), trainer.imageCodes(), trainer.specialTokens());
    Backbone backbone = models.backbone(model.config(), trainer.precision());

    // 2. The checkpoint's parameters (and LoRA adapters, merged as the run's export merges them).
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      VariableStore parameters = BackboneVariables.create(tf, backbone, trainer.seed());
      VariableStore adapters = new VariableStore(tf);
      Weights weights = parameters.weights();
      if (lora.enabled()) {
        LoraWeights.createAdapters(adapters, backbone.parameters(), lora, trainer.seed());
        weights = LoraWeights.wrap(tf, weights, adapters, lora);
      }
      // A ZeRO-3 run (distributed.shard = parameters) keeps the weights as each replica's shards.
      CheckpointManager.Manifest manifest = Files.isRegularFile(step.resolve(CheckpointManager.MANIFEST))
          ? CheckpointManager.manifest(step) : null;
      boolean shardedWeights = manifest != null && manifest.shardOrNone().equals("parameters");
      if (shardedWeights) {
        CheckpointManager.loadWholeFromShards(step, manifest.shardedReplicas(), session, parameters);
      }
      try (SafetensorsFile saved = SafetensorsFile.open(step.resolve("model.safetensors"))) {
        if (!shardedWeights) {
          parameters.load(session, saved, name -> name);
        }
        adapters.load(session, saved, name -> name);
      }
      // 3. The Hugging Face folder.
      BackboneCheckpoints.save(session, weights, backbone, out, false);
    }
    List<String> written = model.writeModelFiles(out);
    invocation.out().println("model: " + out + " (config.json, model.safetensors, " + String.join(", ", written) + ")");
    return 0;
  }

  /** {@code output-dir}, which the user must give (its default is generate's samples folder). */
  private static Path outputDir(Config config) {
    ConfigValue out = config.getValue("output-dir");
    if (out.origin().resource() != null) {
      throw new UserError("export-hf needs output-dir=<dir>: the folder to write the Hugging Face model to");
    }
    return Path.of(config.getString("output-dir"));
  }
}
