package io.liquidj.backbones.llama;

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
 * Llama 3.x ({@code model_type = "llama"}), as transformers' {@code LlamaForCausalLM}: token embedding,
 * {@code num_hidden_layers} pre-norm decoder layers (RMSNorm → GQA attention with RoPE → residual,
 * RMSNorm → SwiGLU MLP → residual), final RMSNorm, LM head (tied to the embedding or not).
 *
 * <p>Tensor names are the checkpoint's: {@code model.layers.3.self_attn.q_proj.weight}.
 */
public final class LlamaBackbone implements Backbone {
  private final ModelConfig config;
  private final Precision precision;
  /** LlamaRMSNorm: {@code weight * hidden_states}. */
  private final RmsNorm norm;
  private final Attention.Settings attention;
  private final SelfAttention.Bias bias;
  private final GatedMlp.Activation activation;

  public LlamaBackbone(ModelConfig config, Precision precision) {
    this.config = config;
    this.precision = precision;
    this.norm = new RmsNorm(config.rmsNormEps(), RmsNorm.Scale.WEIGHT);
    if (config.slidingWindow() > 0) {
      throw new UserError(config.source() + ": llama does not support sliding_window (found "
          + config.slidingWindow() + "); supported: none");
    }
    if (config.raw().path("mlp_bias").asBoolean(false)) {
      throw new UserError(config.source() + ": llama with mlp_bias = true is not supported; supported: mlp_bias = false");
    }
    // self.scaling = self.head_dim ** -0.5 (transformers LlamaAttention.__init__)
    this.attention = SelfAttention.settings(config, Math.pow(config.headDim(), -0.5), 0, 0, precision);
    // bias=config.attention_bias on all four projections (transformers LlamaAttention.__init__)
    this.bias = config.attentionBias() ? SelfAttention.Bias.ALL : SelfAttention.Bias.NONE;
    this.activation = GatedMlp.Activation.parse(config.hiddenActivation(), config.source());
  }

  /** LlamaConfig's one rule here: the class transformers' AutoModelForCausalLM loads, when the file does not name it. */
  public static void configDefaults(ObjectNode json) {
    if (!json.hasNonNull("architectures")) {
      json.putArray("architectures").add("LlamaForCausalLM");
    }
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public List<ParameterSpec> parameters() {
    return CausalLm.parameters(config, norm, bias, "input_layernorm", "post_attention_layernorm");
  }

  @Override
  public LayerStack layers(Ops ops, ForwardInputs in) {
    return CausalLm.layers(ops, config, in,
        // inputs_embeds = self.embed_tokens(input_ids)
        (tf, w) -> CausalLm.embed(tf, w, in.ids()), // [B, T, hidden]
        this::layer,
        (tf, w, h) -> CausalLm.normedLmHead(tf, w, h, norm, config, precision));
  }

  /** Decoder layer {@code i} (transformers LlamaDecoderLayer.forward): hidden [B, T, hidden] → hidden. */
  private LayerStack.Output layer(
      Ops tf, Weights w, int i, Operand<TFloat32> h, Rope.Table rope, ForwardInputs in, KvCache.Layer cache) {
    String p = "model.layers." + i + ".";
    Operand<TFloat32> x = norm.apply(tf, h, w.get(p + "input_layernorm.weight"));
    Attention.Result a = SelfAttention.apply(tf, w, p + "self_attn.", x, attention, bias, rope, in, cache);
    h = tf.math.add(h, a.output());

    x = norm.apply(tf, h, w.get(p + "post_attention_layernorm.weight"));
    h = tf.math.add(h, GatedMlp.apply(tf, w, p + "mlp.", x, activation, precision));
    return new LayerStack.Output(h, a.cache());
  }
}
