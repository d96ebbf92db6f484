package io.liquidj.backbones.gemma2;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * Gemma-2 ({@code model_type = "gemma2"}), as transformers' {@code Gemma2ForCausalLM}: Gemma's scaled
 * embedding, (1 + w) norms and GeGLU, plus norms before and after both attention and MLP, attention
 * scale {@code query_pre_attn_scalar^-0.5}, attention-logit soft-capping (50), final-logit
 * soft-capping (30), and sliding-window attention on the layers {@code layer_types} marks.
 */
public final class Gemma2Backbone implements Backbone {
  private final ModelConfig config;
  private final Precision precision;
  /** Gemma2RMSNorm: {@code output * (1.0 + self.weight.float())}. */
  private final RmsNorm norm;
  private final GatedMlp.Activation activation;

  public Gemma2Backbone(ModelConfig config, Precision precision) {
    this.config = config;
    this.precision = precision;
    this.norm = new RmsNorm(config.rmsNormEps(), RmsNorm.Scale.ONE_PLUS_WEIGHT);
    this.activation = GatedMlp.Activation.parse(config.hiddenActivation(), config.source());
  }

  /**
   * Gemma2Config's defaults: {@code tie_word_embeddings = True}, {@code hidden_activation}
   * gelu_pytorch_tanh (whatever {@code hidden_act} says), and without {@code layer_types} the
   * even layers slide ({@code "sliding_attention" if bool((i + 1) % 2) else "full_attention"}); and {@code architectures} names
   * Gemma2ForCausalLM when the file names none.
   */
  public static void configDefaults(ObjectNode json) {
    if (!json.hasNonNull("architectures")) {
      json.putArray("architectures").add("Gemma2ForCausalLM");
    }
    if (!json.hasNonNull("tie_word_embeddings")) {
      json.put("tie_word_embeddings", true);
    }
    if (!json.hasNonNull("hidden_activation")) {
      json.put("hidden_activation", "gelu_pytorch_tanh");
    }
    if (!json.hasNonNull("layer_types")) {
      ArrayNode layerTypes = json.putArray("layer_types");
      for (int i = 0; i < json.path("num_hidden_layers").asInt(); i++) {
        layerTypes.add(i % 2 == 0 ? "sliding_attention" : "full_attention");
      }
    }
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public List<ParameterSpec> parameters() {
    return CausalLm.parameters(config, norm, SelfAttention.Bias.NONE, "input_layernorm", "post_attention_layernorm",
        "pre_feedforward_layernorm", "post_feedforward_layernorm");
  }

  @Override
  public LayerStack layers(Ops ops, ForwardInputs in) {
    return CausalLm.layers(ops, config, in,
        // hidden_states = inputs_embeds * normalizer (transformers Gemma2Model.forward)
        (tf, w) -> CausalLm.scaledEmbed(tf, w, in.ids(), config.hiddenSize(), precision), // [B, T, hidden]
        this::layer,
        (tf, w, h) -> head(tf, w, h));
  }

  /**
   * Decoder layer {@code i}: norms before and after each sub-block, then the residual (transformers
   * Gemma2DecoderLayer.forward). hidden [B, T, hidden] → hidden.
   */
  private LayerStack.Output layer(
      Ops tf, Weights w, int i, Operand<TFloat32> h, Rope.Table rope, ForwardInputs in, KvCache.Layer cache) {
    String p = "model.layers." + i + ".";
    // self.scaling = config.query_pre_attn_scalar**-0.5, not head_dim (transformers Gemma2Attention.__init__);
    // scores soft-capped at attn_logit_softcapping; sliding_window on the layers layer_types marks
    double scalar = config.queryPreAttnScalar() > 0 ? config.queryPreAttnScalar() : config.headDim();
    int window = config.isSlidingLayer(i) ? config.slidingWindow() : 0;
    Attention.Settings attention = SelfAttention.settings(config, Math.pow(scalar, -0.5),
        config.attnLogitSoftcapping(), window, precision);
    Operand<TFloat32> x = norm.apply(tf, h, w.get(p + "input_layernorm.weight"));
    Attention.Result a = SelfAttention.apply(tf, w, p + "self_attn.", x, attention, SelfAttention.Bias.NONE, rope,
        in, cache);
    h = tf.math.add(h, norm.apply(tf, a.output(), w.get(p + "post_attention_layernorm.weight")));

    x = norm.apply(tf, h, w.get(p + "pre_feedforward_layernorm.weight"));
    x = GatedMlp.apply(tf, w, p + "mlp.", x, activation, precision);
    h = tf.math.add(h, norm.apply(tf, x, w.get(p + "post_feedforward_layernorm.weight")));
    return new LayerStack.Output(h, a.cache());
  }

  /** The final norm, the LM head and the final-logit soft-cap: hidden [B, T, hidden] → logits [B, T, V]. */
  private Operand<TFloat32> head(Ops tf, Weights w, Operand<TFloat32> h) {
    h = norm.apply(tf, h, w.get("model.norm.weight"));
    Operand<TFloat32> logits = CausalLm.lmHead(tf, w, h, config, precision); // [B, T, V]
    if (config.finalLogitSoftcapping() > 0) {
      // logits / final_logit_softcapping; tanh; * final_logit_softcapping (transformers Gemma2ForCausalLM.forward)
      Operand<TFloat32> cap = tf.constant((float) config.finalLogitSoftcapping());
      logits = tf.math.mul(tf.math.tanh(tf.math.div(logits, cap)), cap);
    }
    return logits;
  }
}
