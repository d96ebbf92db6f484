package io.liquidj.backbones.qwen2;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.KvCache;
import io.liquidj.framework.backbone.LayerStack;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.nn.Attention;
import io.liquidj.framework.nn.CausalLm;
import io.liquidj.framework.nn.GatedMlp;
import io.liquidj.framework.nn.RmsNorm;
import io.liquidj.framework.nn.Rope;
import io.liquidj.framework.nn.SelfAttention;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.Weights;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Qwen2 / Qwen2.5 ({@code model_type = "qwen2"}), as transformers' {@code Qwen2ForCausalLM}: the Llama
 * layout with biases on the query, key and value projections (not on o_proj), rope_theta 1e6, tied
 * embeddings in the small sizes, and sliding-window attention only on the layers {@code layer_types}
 * marks (when {@code use_sliding_window} is set).
 */
public final class Qwen2Backbone implements Backbone {
  /** q_proj, k_proj, v_proj have bias=True; o_proj has none (transformers Qwen2Attention.__init__). */
  private static final SelfAttention.Bias BIAS = SelfAttention.Bias.QUERY_KEY_VALUE;

  private final ModelConfig config;
  private final Precision precision;
  /** Qwen2RMSNorm: {@code weight * hidden_states}. */
  private final RmsNorm norm;
  private final GatedMlp.Activation activation;

  public Qwen2Backbone(ModelConfig config, Precision precision) {
    this.config = config;
    this.precision = precision;
    this.norm = new RmsNorm(config.rmsNormEps(), RmsNorm.Scale.WEIGHT);
    this.activation = GatedMlp.Activation.parse(config.hiddenActivation(), config.source());
    if (config.rope().type().equals("llama3")) {
      throw new UserError(config.source() + ": qwen2 with rope type llama3 is not supported; supported: default");
    }
  }

  /**
   * Qwen2Config's rules: {@code sliding_window} counts only with {@code use_sliding_window}
   * ({@code self.sliding_window = sliding_window if self.use_sliding_window else None}), and without
   * {@code layer_types} the layers from {@code max_window_layers} (default 28) on slide; and
   * {@code architectures} names Qwen2ForCausalLM when the file names none.
   */
  public static void configDefaults(ObjectNode json) {
    if (!json.hasNonNull("architectures")) {
      json.putArray("architectures").add("Qwen2ForCausalLM");
    }
    if (!json.path("use_sliding_window").asBoolean(false)) {
      json.putNull("sliding_window");
    }
    if (!json.hasNonNull("layer_types")) {
      boolean window = json.hasNonNull("sliding_window");
      int firstSliding = json.path("max_window_layers").asInt(28);
      ArrayNode layerTypes = json.putArray("layer_types");
      for (int i = 0; i < json.path("num_hidden_layers").asInt(); i++) {
        layerTypes.add(window && i >= firstSliding ? "sliding_attention" : "full_attention");
      }
    }
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public List<ParameterSpec> parameters() {
    return CausalLm.parameters(config, norm, BIAS, "input_layernorm", "post_attention_layernorm");
  }

  @Override
  public LayerStack layers(Ops ops, ForwardInputs in) {
    return CausalLm.layers(ops, config, in,
        // inputs_embeds = self.embed_tokens(input_ids)
        (tf, w) -> CausalLm.embed(tf, w, in.ids()), // [B, T, hidden]
        this::layer,
        (tf, w, h) -> CausalLm.normedLmHead(tf, w, h, norm, config, precision));
  }

  /** Decoder layer {@code i} (transformers Qwen2DecoderLayer.forward): hidden [B, T, hidden] → hidden. */
  private LayerStack.Output layer(
      Ops tf, Weights w, int i, Operand<TFloat32> h, Rope.Table rope, ForwardInputs in, KvCache.Layer cache) {
    String p = "model.layers." + i + ".";
    // sliding_window only on layers layer_types marks "sliding_attention" (transformers Qwen2Attention)
    int window = config.isSlidingLayer(i) ? config.slidingWindow() : 0;
    Attention.Settings attention = SelfAttention.settings(config, Math.pow(config.headDim(), -0.5), 0, window,
        precision);
    Operand<TFloat32> x = norm.apply(tf, h, w.get(p + "input_layernorm.weight"));
    Attention.Result a = SelfAttention.apply(tf, w, p + "self_attn.", x, attention, BIAS, rope, in, cache);
    h = tf.math.add(h, a.output());

    x = norm.apply(tf, h, w.get(p + "post_attention_layernorm.weight"));
    h = tf.math.add(h, GatedMlp.apply(tf, w, p + "mlp.", x, activation, precision));
    return new LayerStack.Output(h, a.cache());
  }
}
