package io.liquidj.framework.train;

import com.typesafe.config.Config;
import io.liquidj.framework.distributed.DistributedSettings;
import io.liquidj.framework.optim.FreezeSettings;
import io.liquidj.framework.optim.LoraSettings;
import io.liquidj.framework.optim.OptimizerSettings;
import io.liquidj.framework.optim.ScheduleSettings;

/** Everything the training engine reads: the trainer, optimizer, schedule, lora, freeze and distributed sections. */
public record RunSettings(
    TrainerSettings trainer,
    OptimizerSettings optimizer,
    ScheduleSettings schedule,
    LoraSettings lora,
    FreezeSettings freeze,
    DistributedSettings distributed) {

  /** Reads the six sections of the resolved configuration. */
  public static RunSettings from(Config root) {
    return new RunSettings(
        TrainerSettings.from(root.getConfig("trainer")),
        OptimizerSettings.from(root.getConfig("optimizer")),
        ScheduleSettings.from(root.getConfig("schedule")),
        LoraSettings.from(root.getConfig("lora")),
        FreezeSettings.from(root.getConfig("freeze")),
        DistributedSettings.from(root.getConfig("distributed"), GpuProbe::gpuCount));
  }

  /**
   * The dtype parameter {@code name} is held in: bf16 when the run is bf16 and the parameter is frozen (a LoRA
   * base weight or a {@code freeze} match: no f32 master copy is needed, since nothing updates it), else f32.
   */
  public io.liquidj.framework.backbone.Precision parameterStorage(String name) {
    return trainer.precision() == io.liquidj.framework.backbone.Precision.BF16 && !trainsParameter(name)
        ? io.liquidj.framework.backbone.Precision.BF16 : io.liquidj.framework.backbone.Precision.F32;
  }

  /** Whether {@code name} (a backbone parameter) is trained directly (LoRA adapters are separate). */
  public boolean trainsParameter(String name) {
    if (lora.enabled()) {
      return !lora.adapts(name) && io.liquidj.framework.optim.Patterns.matchesAny(lora.alsoTrain(), name)
          && freeze.trains(name);
    }
    return freeze.trains(name);
  }
}
