package io.liquidj.framework.nn;

import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.KvCache;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.Weights;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A decoder layer's self-attention block under its checkpoint prefix ({@code model.layers.3.self_attn.}), as
 * transformers' {@code LlamaAttention.forward}: q_proj, k_proj, v_proj → heads → RoPE on queries and keys →
 * {@link Attention} → o_proj. A family passes what differs: which projections have a bias, and the layer's
 * {@link Attention.Settings} (scaling, logit soft-cap, sliding window).
 */
public final class SelfAttention {
  private SelfAttention() {}

  /** Which of the four projections carry a bias. */
  public enum Bias {
    /** None (Gemma, Gemma-2, Llama without attention_bias). */
    NONE,
    /** q_proj, k_proj and v_proj, not o_proj (Qwen2). */
    QUERY_KEY_VALUE,
    /** All four (Llama with attention_bias = true). */
    ALL;

    boolean on(String projection) {
      return this == ALL || this == QUERY_KEY_VALUE && !projection.equals("o_proj");
    }
  }

  /**
   * The settings of {@code config}'s heads (num_attention_heads, num_key_value_heads, head_dim) with this
   * layer's {@code scale}, {@code softCap} (0 for none) and {@code slidingWindow} (0 for none).
   */
  public static Attention.Settings settings(
      ModelConfig config, double scale, double softCap, int slidingWindow, Precision precision) {
    return new Attention.Settings(config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim(), scale,
        softCap, slidingWindow, precision);
  }

  /** q_proj, k_proj, v_proj, o_proj under {@code prefix}, each weight followed by its bias (state_dict order). */
  public static List<ParameterSpec> parameters(String prefix, ModelConfig config, Bias bias) {
    long hidden = config.hiddenSize();
    long queryWidth = (long) config.numAttentionHeads() * config.headDim();
    long keyValueWidth = (long) config.numKeyValueHeads() * config.headDim();
    List<ParameterSpec> specs = new ArrayList<>();
    specs.addAll(Linear.parameters(prefix + "q_proj", queryWidth, hidden, bias.on("q_proj")));
    specs.addAll(Linear.parameters(prefix + "k_proj", keyValueWidth, hidden, bias.on("k_proj")));
    specs.addAll(Linear.parameters(prefix + "v_proj", keyValueWidth, hidden, bias.on("v_proj")));
    specs.addAll(Linear.parameters(prefix + "o_proj", hidden, queryWidth, bias.on("o_proj")));
    return specs;
  }

  /** x: [B, T, hidden] → the attention output after o_proj [B, T, hidden], and the updated cache. */
  public static Attention.Result apply(
      Ops tf, Weights w, String prefix, Operand<TFloat32> x, Attention.Settings settings, Bias bias,
      Rope.Table rope, ForwardInputs in, KvCache.Layer cache) {
    Precision precision = settings.precision();
    Operand<TFloat32> q = Attention.splitHeads(tf, Linear.apply(tf, w, prefix + "q_proj", x, bias.on("q_proj"),
        precision), settings.numHeads(), settings.headDim()); // [B, H, T, D]
    Operand<TFloat32> k = Attention.splitHeads(tf, Linear.apply(tf, w, prefix + "k_proj", x, bias.on("k_proj"),
        precision), settings.numKeyValueHeads(), settings.headDim()); // [B, KVH, T, D]
    Operand<TFloat32> v = Attention.splitHeads(tf, Linear.apply(tf, w, prefix + "v_proj", x, bias.on("v_proj"),
        precision), settings.numKeyValueHeads(), settings.headDim()); // [B, KVH, T, D]
    q = Rope.apply(tf, q, rope);
    k = Rope.apply(tf, k, rope);
    Attention.Result a = Attention.apply(tf, settings, q, k, v, in.allowed(), in.positions(), in.keyPositions(),
        cache, in.cacheWriteIndex());
    Operand<TFloat32> out = Linear.apply(tf, w, prefix + "o_proj", a.output(), bias.on("o_proj"), precision);
    return new Attention.Result(out, a.cache());
  }
}
