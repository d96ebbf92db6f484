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
 * <p>With {@code distributed.shard = parameters} (ZeRO-3, N replicas) a replica holds 1/N of the weights, of the
 * gradients (and accumulators) and of the moments, plus what is gathered whole for a while: one layer's weights
 * and their gradients, the embedding and head (gathered in the forward pass and kept for their backward),
 * and one bucket of whole gradients on their way to the reduce-scatter; the layers are recomputed.
 *
 * @param weights the parameters a replica holds (every one; 1/N of them and the gathered ones with ZeRO-3)
 * @param bf16Saved how many bytes fewer {@code weights} is than all-f32 weights (frozen parameters in bf16)
 * @param gradients the trained parameters' gradients, plus the accumulators with grad-accum &gt; 1
 * @param optimizer AdamW's two moments of the trained parameters (1/N of them with ZeRO-1 and ZeRO-3)
 * @param activations the activations kept for the backward pass of one micro-batch
 */
public record MemoryEstimate(long weights, long bf16Saved, long gradients, long optimizer, long activations) {
  private static final long F32 = Float.BYTES;
  private static final long BF16 = 2;

  /** The sum of the parts. */
  public long total() {
    return weights + gradients + optimizer + activations;
  }

  /** {@link #of(ModelConfig, List, long, RunSettings)} counting the trained parameters from the settings. */
  public static MemoryEstimate of(ModelConfig config, List<ParameterSpec> parameters, RunSettings settings) {
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
      RunSettings settings) {
    TrainerSettings trainer = settings.trainer();
    DistributedSettings distributed = settings.distributed();
    long all = parameters.stream().mapToLong(ParameterSpec::size).sum();
    long bf16 = parameters.stream().filter(p -> settings.parameterStorage(p.name()) == Precision.BF16)
        .mapToLong(ParameterSpec::size).sum();
    int n = distributed.replicas();
    boolean zero3 = n > 1 && distributed.shard() == DistributedSettings.Shard.PARAMETERS;
    boolean zero1 = n > 1 && distributed.shard() == DistributedSettings.Shard.OPTIMIZER;
    long weights = F32 * (all - bf16) + BF16 * bf16;
    long gradients = F32 * trainedParameters * (trainer.gradAccum() > 1 ? 2 : 1);
    long moments = 2 * trainedParameters;
    long optimizer = F32 * (zero1 || zero3 ? (moments + n - 1) / n : moments);
    if (zero3) {
      long largestLayer = largestLayer(parameters);
      long outsideLayers = all - parameters.stream().filter(p -> layerOf(p.name()) >= 0)
          .mapToLong(ParameterSpec::size).sum();
      weights = (weights + n - 1) / n + F32 * (largestLayer + outsideLayers);
      gradients = (gradients + n - 1) / n + F32 * largestLayer + Math.min(distributed.bucketBytes(), F32 * all);
    }
    long tokens = (long) trainer.batchSize() / n * trainer.seqLen();
    long layerPerToken = 8L * config.hiddenSize() + 4L * config.intermediateSize()
        + 2L * config.numAttentionHeads() * trainer.seqLen();
    long headPerToken = 2L * config.vocabSize();
    long perToken = trainer.recomputeActivations() || zero3
        ? (long) (config.numHiddenLayers() + 1) * config.hiddenSize() + layerPerToken + headPerToken
        : (long) config.numHiddenLayers() * layerPerToken + config.hiddenSize() + headPerToken;
    return new MemoryEstimate(weights, (F32 - BF16) * bf16, gradients, optimizer, F32 * tokens * perToken);
  }

  private static final java.util.regex.Pattern LAYER = java.util.regex.Pattern.compile("\\.layers\\.(\\d+)\\.");

  /** The decoder layer a Hugging Face parameter name belongs to ({@code model.layers.3.…} → 3), or -1. */
  private static int layerOf(String name) {
    java.util.regex.Matcher m = LAYER.matcher(name);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** The elements of the largest decoder layer. */
  private static long largestLayer(List<ParameterSpec> parameters) {
    java.util.Map<Integer, Long> sizes = new java.util.HashMap<>();
    parameters.forEach(p -> {
      if (layerOf(p.name()) >= 0) {
        sizes.merge(layerOf(p.name()), p.size(), Long::sum);
      }
    });
    return sizes.values().stream().mapToLong(Long::longValue).max().orElse(0);
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
