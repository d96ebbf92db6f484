package io.liquidj.backbones.gemma;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.KvCache;
import io.liquidj.framework.backbone.LayerStack;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.ModelConfig.LiquidExtension;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.backbone.VocabularyExtension;
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
 * Gemma ({@code model_type = "gemma"}; Gemma-7B is the Liquid paper's backbone), as transformers'
 * {@code GemmaForCausalLM}: the Llama layout with embeddings scaled by sqrt(hidden), RMSNorm scaling
 * by (1 + w), a GeGLU MLP with tanh-approximated GELU, multi-head attention with head_dim 256 in the
 * real 7B model (independent of hidden / heads), and the LM head tied to the embedding.
 */
public final class GemmaBackbone implements Backbone {
  /** Gemma's embedding rows; the released {@code Junfeng5/Liquid_V1_7B} has 256,000 + 8192. */
  static final int GEMMA_VOCAB = 256_000;
  /** {@code <boi>}, {@code <eoi>}, {@code <unconditional>} in the Liquid release: Gemma's {@code <unused0..2>}. */
  static final LiquidExtension LIQUID_RELEASE =
      new LiquidExtension(GEMMA_VOCAB, VocabularyExtension.DEFAULT_IMAGE_CODES, 7, 8, 9);

  private final ModelConfig config;
  private final Precision precision;
  /** GemmaRMSNorm: {@code output * (1.0 + self.weight.float())}. */
  private final RmsNorm norm;
  private final Attention.Settings attention;
  private final GatedMlp.Activation activation;

  public GemmaBackbone(ModelConfig config, Precision precision) {
    this.config = config;
    this.precision = precision;
    this.norm = new RmsNorm(config.rmsNormEps(), RmsNorm.Scale.ONE_PLUS_WEIGHT);
    if (config.slidingWindow() > 0 || config.attnLogitSoftcapping() > 0 || config.finalLogitSoftcapping() > 0) {
      throw new UserError(config.source() + ": gemma has no sliding window or soft-capping (found sliding_window "
          + config.slidingWindow() + ", attn_logit_softcapping " + config.attnLogitSoftcapping()
          + ", final_logit_softcapping " + config.finalLogitSoftcapping() + "); use model_type gemma2 for those");
    }
    // self.scaling = self.head_dim ** -0.5 (transformers GemmaAttention.__init__)
    this.attention = SelfAttention.settings(config, Math.pow(config.headDim(), -0.5), 0, 0, precision);
    this.activation = GatedMlp.Activation.parse(config.hiddenActivation(), config.source());
  }

  /**
   * GemmaConfig's defaults: {@code tie_word_embeddings = True}, and {@code hidden_activation}
   * gelu_pytorch_tanh — the released configs say {@code hidden_act: "gelu"} but transformers runs the tanh
   * approximation for them (GemmaMLP: {@code if config.hidden_activation is None}). And the released
   * {@code Junfeng5/Liquid_V1_7B}, whose config.json has 256,000 + 8192 rows but no extension keys, is
   * recognised as extended, with its specials at 7, 8, 9. {@code architectures} names GemmaForCausalLM when
   * the file names none.
   */
  public static void configDefaults(ObjectNode json) {
    if (!json.hasNonNull("architectures")) {
      json.putArray("architectures").add("GemmaForCausalLM");
    }
    if (!json.hasNonNull("tie_word_embeddings")) {
      json.put("tie_word_embeddings", true);
    }
    if (!json.hasNonNull("hidden_activation")) {
      json.put("hidden_activation", "gelu_pytorch_tanh");
    }
    if (!json.hasNonNull("image_code_offset")
        && json.path("vocab_size").asInt() == GEMMA_VOCAB + LIQUID_RELEASE.numImageCodes()) {
      LIQUID_RELEASE.writeTo(json);
    }
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public List<ParameterSpec> parameters() {
    return CausalLm.parameters(config, norm, SelfAttention.Bias.NONE, "input_layernorm", "post_attention_layernorm");
  }

  @Override
  public LayerStack layers(Ops ops, ForwardInputs in) {
    return CausalLm.layers(ops, config, in,
        // hidden_states = inputs_embeds * normalizer (transformers GemmaModel.forward)
        (tf, w) -> CausalLm.scaledEmbed(tf, w, in.ids(), config.hiddenSize(), precision), // [B, T, hidden]
        this::layer,
        (tf, w, h) -> CausalLm.normedLmHead(tf, w, h, norm, config, precision));
  }

  /** Decoder layer {@code i} (transformers GemmaDecoderLayer.forward): hidden [B, T, hidden] → hidden. */
  private LayerStack.Output layer(
      Ops tf, Weights w, int i, Operand<TFloat32> h, Rope.Table rope, ForwardInputs in, KvCache.Layer cache) {
    String p = "model.layers." + i + ".";
    Operand<TFloat32> x = norm.apply(tf, h, w.get(p + "input_layernorm.weight"));
    Attention.Result a = SelfAttention.apply(tf, w, p + "self_attn.", x, attention, SelfAttention.Bias.NONE, rope,
        in, cache);
    h = tf.math.add(h, a.output());

    x = norm.apply(tf, h, w.get(p + "post_attention_layernorm.weight"));
    h = tf.math.add(h, GatedMlp.apply(tf, w, p + "mlp.", x, activation, precision));
    return new LayerStack.Output(h, a.cache());
  }
}
