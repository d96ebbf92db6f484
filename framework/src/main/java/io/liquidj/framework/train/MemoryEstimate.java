package io.liquidj.framework.train;

import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.distributed.DistributedSettings;
import io.liquidj.framework.tf.ParameterSpec;
import java.util.List;
import java.util.Locale;

/**
 * What one device holds while training, in bytes (f32, as liquidj keeps parameters, gradients and
 * optimizer state, except frozen parameters under {@code trainer.precision = bf16}, held in bf16): an estimate to
 * plan a run with, not a measurement.
 *
 * <p>Activations count the tensors a decoder layer keeps for its backward pass, per token of the
 * replica's micro-batch (b = batch-size / devices rows of T tokens): the layer input, both norms' outputs,
 * q, k, v, the attention output and o_proj's output (8·hidden with q/k/v as hidden each: an upper bound
 * under grouped-query attention), gate, up, act(gate) and their product (4·intermediate), and the
 * attention scores and probabilities (2·heads·T). The head keeps the logits and their softmax
 * (2·vocab per token). With recomputation a layer keeps only its input, and one layer's intermediates
 * exist at a time (Korthikanti et al. 2022 count the same tensors for 16-bit training).
 *
 * @param weights every parameter (each replica holds all of them)
 * @param bf16Saved how many bytes fewer {@code weights} is than all-f32 weights (frozen parameters in bf16)
 * @param gradients the trained parameters' gradients, plus the accumulators with grad-accum &gt; 1
 * @param optimizer AdamW's two moments of the trained parameters (1/devices of them with ZeRO-1)
 * @param activations the activations kept for the backward pass of one micro-batch
 */
public record MemoryEstimate(long weights, long bf16Saved, long gradients, long optimizer, long activations) {
  private static final long F32 = Float.BYTES;
  private static final long BF16 = 2;

  /** The sum of the parts. */
  public long total() {
    return weights + gradients + optimizer + activations;
  }

  /** {@link #of(ModelConfig, List, long, TrainingSettings)} counting the trained parameters from the settings. */
  public static MemoryEstimate of(ModelConfig config, List<ParameterSpec> parameters, TrainingSettings settings) {
    long trained = 0;
    for (ParameterSpec p : parameters) {
      if (settings.trainsParameter(p.name())) {
        trained += p.size();
      } else if (settings.lora().adapts(p.name()) && p.shape().length == 2) {
        trained += (long) settings.lora().rank() * (p.shape()[0] + p.shape()[1]); // B [out,r] + A [r,in]
      }
    }
    return of(config, parameters, trained, settings);
  }

  /**
   * The estimate for {@code config}'s model with {@code parameters} (its specs), training settings
   * {@code settings}.
   *
   * @param trainedParameters how many of the parameters train (LoRA adapters included)
   */
  public static MemoryEstimate of(ModelConfig config, List<ParameterSpec> parameters, long trainedParameters,
      TrainingSettings settings) {
    TrainerSettings trainer = settings.trainer();
    DistributedSettings distributed = settings.distributed();
    long all = parameters.stream().mapToLong(ParameterSpec::size).sum();
    long bf16 = parameters.stream().filter(p -> settings.parameterStorage(p.name()) == Precision.BF16)
        .mapToLong(ParameterSpec::size).sum();
    long weights = F32 * (all - bf16) + BF16 * bf16;
    long gradients = F32 * trainedParameters * (trainer.gradAccum() > 1 ? 2 : 1);
    boolean sharded = distributed.devices() > 1 && distributed.shard() == DistributedSettings.Shard.OPTIMIZER;
    long moments = 2 * trainedParameters;
    long optimizer = F32 * (sharded ? (moments + distributed.devices() - 1) / distributed.devices() : moments);
    long tokens = (long) trainer.batchSize() / distributed.devices() * trainer.seqLen();
    long layerPerToken = 8L * config.hiddenSize() + 4L * config.intermediateSize()
        + 2L * config.numAttentionHeads() * trainer.seqLen();
    long headPerToken = 2L * config.vocabSize();
    long perToken = trainer.recomputeActivations()
        ? (long) (config.numHiddenLayers() + 1) * config.hiddenSize() + layerPerToken + headPerToken
        : (long) config.numHiddenLayers() * layerPerToken + config.hiddenSize() + headPerToken;
    return new MemoryEstimate(weights, (F32 - BF16) * bf16, gradients, optimizer, F32 * tokens * perToken);
  }

  /** The parts and the total in GiB, one line each (and the bytes that bf16 frozen weights save, if any). */
  public String describe() {
    String saved = bf16Saved == 0 ? "" : String.format(Locale.ROOT, " (frozen in bf16: %.3f GiB saved)", gib(bf16Saved));
    return String.format(Locale.ROOT, """
        weights      %8.3f GiB%s
        gradients    %8.3f GiB
        optimizer    %8.3f GiB
        activations  %8.3f GiB
        total        %8.3f GiB per device""", gib(weights), saved, gib(gradients), gib(optimizer), gib(activations),
        gib(total()));
  }

  private static double gib(long bytes) {
    return bytes / (double) (1L << 30);
  }
}
