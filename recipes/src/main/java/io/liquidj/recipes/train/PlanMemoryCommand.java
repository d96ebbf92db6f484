package io.liquidj.recipes.train;

import com.typesafe.config.Config;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.train.MemoryEstimate;
import io.liquidj.framework.train.TrainerSettings;
import io.liquidj.framework.train.RunSettings;
import jakarta.inject.Inject;
import io.liquidj.framework.distributed.DistributedSettings;
import java.util.Locale;

/**
 * {@code ./liquid plan-memory conf/recipes/liquid-paper.conf distributed.devices=8 distributed.shard=optimizer}:
 * the memory one device needs for a training configuration ({@link MemoryEstimate}), without building a graph.
 */
@CommandHelp(
    summary = "Estimate the memory per device of a training configuration (weights, gradients, optimizer, activations)",
    examples = {"./liquid plan-memory conf/recipes/liquid-paper.conf distributed.devices=8 distributed.shard=optimizer"},
    configSections = {"trainer", "optimizer", "lora", "freeze", "distributed"})
public final class PlanMemoryCommand implements LiquidCommand {
  private final Backbones backbones;

  @Inject
  PlanMemoryCommand(Backbones backbones) {
    this.backbones = backbones;
  }

  @Override
  public int run(Invocation invocation) {
    Config config = invocation.config();
    RunSettings settings = RunSettings.from(config);
    TrainerSettings trainer = settings.trainer();
    ModelConfig model = backbones.config(BackboneSettings.from(config));
    if (trainer.imageCodes() > 0 && model.liquid() == null) {
      model = VocabularyExtension.extendedConfig(model, VocabularyExtension.Plan.appended(trainer.imageCodes()));
    }
    var parameters = backbones.create(model, trainer.precision()).parameters();
    var distributed = settings.distributed();
    boolean zero3 = distributed.replicated() && distributed.shard() == DistributedSettings.Shard.PARAMETERS;
    invocation.out().printf(Locale.ROOT, "%s, vocab %d, batch %d x %d on %d replica(s) (%d device(s) x %d process(es)), "
            + "shard %s, recompute %s, grad-accum %d, lora %s%n", model.source(), model.vocabSize(), trainer.batchSize(),
        trainer.seqLen(), distributed.replicas(), distributed.devices(), distributed.processes(),
        distributed.shard().name().toLowerCase(Locale.ROOT),
        trainer.recomputeActivations() || zero3 ? "true" + (zero3 && !trainer.recomputeActivations() ? " (ZeRO-3)" : "")
            : "false",
        trainer.gradAccum(), settings.lora().enabled());
    invocation.out().println(MemoryEstimate.of(model, parameters, settings).describe());
    return 0;
  }
}
