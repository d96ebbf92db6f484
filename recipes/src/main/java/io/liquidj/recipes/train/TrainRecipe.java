package io.liquidj.recipes.train;

import com.typesafe.config.Config;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.config.ConfigReads;
import io.liquidj.framework.config.RecipeConfig;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.data.DataSettings;
import io.liquidj.framework.data.PackedBatchSource;
import io.liquidj.framework.data.PrefetchingBatchSource;
import io.liquidj.framework.distributed.DistributedSettings;
import io.liquidj.framework.train.TrainingRun;
import io.liquidj.framework.train.RunSettings;
import io.liquidj.framework.train.TrainerSettings;
import io.liquidj.recipes.model.LiquidModel;
import io.liquidj.recipes.model.LiquidModels;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code ./liquid train conf/recipes/liquid-paper.conf checkpoint=/path/to/hf-checkpoint data.sources=[...]}:
 * continued training of a backbone on packed Liquid sequences from {@code ./liquid prepare}'s shards.
 *
 * <p>Setup (backbone, vocabulary, data) → loop → final checkpoint → Hugging Face export → close.
 */
@CommandHelp(
    summary = "Train a backbone (cross-entropy + z-loss, AdamW, warmup + cosine, clipping, LoRA, exact resume, TensorBoard)",
    examples = {"./liquid train conf/recipes/demo-train.conf trainer.steps=200",
        "./liquid train conf/recipes/liquid-paper.conf checkpoint=/path/to/hf-checkpoint data.sources=[...]"},
    configSections = {"backbone", "checkpoint", "tokenizer", "trainer", "optimizer", "schedule", "lora", "freeze", "data",
        "distributed"})
public final class TrainRecipe implements LiquidCommand {
  private final LiquidModels models;

  @Inject
  TrainRecipe(LiquidModels models) {
    this.models = models;
  }

  /**
   * {@code data} as this process reads it: with distributed.cluster, rank = distributed.task of world size = the
   * processes (each takes every world-size-th document), so the global batch is trainer.batch-size for any count.
   */
  private static DataSettings dataOfThisProcess(DataSettings data, RunSettings settings) {
    DistributedSettings distributed = settings.distributed();
    if (!distributed.multiProcess()) {
      return data;
    }
    if (data.worldSize() != 1) {
      throw new UserError("data.world-size = " + data.worldSize() + " with distributed.cluster: the trainer sets the "
          + "data rank and world size from distributed.task and the cluster's " + distributed.processes()
          + " processes; leave data.rank and data.world-size unset");
    }
    if (settings.trainer().batchSize() % distributed.processes() != 0) {
      throw new UserError("trainer.batch-size = " + settings.trainer().batchSize() + " does not split evenly over the "
          + distributed.processes() + " processes of distributed.cluster");
    }
    return new DataSettings(data.sources(), data.maxLength(), data.seed(), data.reverseRatio(), data.cfgDropout(),
        data.lossOn(), data.t2iSuffixes(), data.i2tPrefix(), distributed.task(), distributed.processes());
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    // 1. Setup: settings, the (extended) architecture and its tokenizer, the backbone, where its weights come from.
    Config config = invocation.config();
    RunSettings settings = RunSettings.from(config);
    TrainerSettings trainer = settings.trainer();
    BackboneSettings backboneSettings = BackboneSettings.from(config);
    DataSettings data = dataOfThisProcess(DataSettings.from(config.getConfig("data")), settings);
    if (data.maxLength() != trainer.seqLen()) {
      throw new UserError("data.max-length (" + data.maxLength() + ") and trainer.seq-len (" + trainer.seqLen()
          + ") differ: packed rows are trainer.seq-len tokens; set trainer.seq-len alone (data.max-length follows it)");
    }
    LiquidModel model = models.resolve(backboneSettings, "trainer.tokenizer",
        ConfigReads.optionalPath(config.getConfig("trainer"), "tokenizer"), trainer.imageCodes(),
        trainer.specialTokens());
    if (model.vocabulary() == null) {
      throw new UserError(model.config().source() + " has no image codes: set trainer.image-codes (8192 for the "
          + "Liquid VQGAN) to extend a text backbone, or start from a Liquid checkpoint");
    }
    Backbone backbone = models.backbone(model.config(), trainer.precision());
    Optional<Path> checkpoint = backboneSettings.checkpoint();
    TrainingRun.ParameterLoader weights = (session, parameters) ->
        BackboneVariables.fill(session, parameters, model.config(), checkpoint, trainer.seed());
    Path outputDir = trainer.outputDir();

    // With distributed.cluster, each process packs its share of every global batch from its own documents.
    int rows = trainer.batchSize() / settings.distributed().processes();
    // The next batch is packed on another thread while the current step runs.
    try (BatchSource batches = new PrefetchingBatchSource(
            PackedBatchSource.open(data, model.vocabulary(), model.tokenizer(), rows));
        TrainingRun run = new TrainingRun(backbone, model.vocabulary(), settings, weights,
            RecipeConfig.render(config, true), invocation.out())) {
      // Saved once the run has claimed the folder (another run there, without resume or overwrite, stops it).
      if (run.chief()) {
        RecipeConfig.saveResolved(config, outputDir);
      }
      // 2. Loop (resuming from the newest checkpoint, data position included, when trainer.resume = true).
      run.resumeIfAsked(batches);
      while (!run.done()) {
        run.step(batches);
      }
      // 3. Final checkpoint (every process writes its part) and, by task 0, the trained model as a Hugging Face
      // folder (LoRA merged, tokenizer and generation config written).
      Path last = run.checkpoint(batches);
      if (!run.chief()) {
        return 0;
      }
      Path exported = run.exportModel(outputDir.resolve("model"));
      model.writeModelFiles(exported);
      invocation.out().println("checkpoint: " + last);
      invocation.out().println("model:      " + exported);
    }
    return 0;
  }
}
