package io.liquidj.backbones.gemma;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.KvCache;
import io.liquidj.framework.backbone.LayerStack;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.ModelConfig.LiquidExtension;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.ParameterSpec.Init;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.framework.tf.Weights;
import io.liquidj.framework.nn.Attention;
import io.liquidj.framework.nn.GatedMlp;
import io.liquidj.framework.nn.Linear;
import io.liquidj.framework.nn.RmsNorm;
import io.liquidj.framework.nn.Rope;
import io.liquidj.framework.safetensors.Conversions;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

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
  private final Attention.Settings attention;
  private final GatedMlp.Activation activation;

  public GemmaBackbone(ModelConfig config, Precision precision) {
    this.config = config;
    this.precision = precision;
    if (config.slidingWindow() > 0 || config.attnLogitSoftcapping() > 0 || config.finalLogitSoftcapping() > 0) {
      throw new UserError(config.source() + ": gemma has no sliding window or soft-capping (found sliding_window "
          + config.slidingWindow() + ", attn_logit_softcapping " + config.attnLogitSoftcapping()
          + ", final_logit_softcapping " + config.finalLogitSoftcapping() + "); use model_type gemma2 for those");
    }
    // self.scaling = self.head_dim ** -0.5 (transformers GemmaAttention.__init__)
    this.attention = new Attention.Settings(config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim(),
        Math.pow(config.headDim(), -0.5), 0, 0, precision);
    this.activation = activation(config);
  }

  /**
   * GemmaConfig's defaults: {@code tie_word_embeddings = True}. And the released
   * {@code Junfeng5/Liquid_V1_7B}, whose config.json has 256,000 + 8192 rows but no extension keys, is
   * recognised as extended, with its specials at 7, 8, 9.
   */
  public static void configDefaults(ObjectNode json) {
    if (!json.hasNonNull("tie_word_embeddings")) {
      json.put("tie_word_embeddings", true);
    }
    if (!json.hasNonNull("image_code_offset")
        && json.path("vocab_size").asInt() == GEMMA_VOCAB + LIQUID_RELEASE.numImageCodes()) {
      LIQUID_RELEASE.writeTo(json);
    }
  }

  /**
   * The gate activation: {@code hidden_activation} when the config has it, else gelu_pytorch_tanh —
   * the released Gemma configs say {@code hidden_act: "gelu"} but transformers runs the tanh
   * approximation for them (GemmaConfig's hidden_activation default, GemmaMLP).
   */
  public static GatedMlp.Activation activation(ModelConfig config) {
    String name = config.raw().path("hidden_activation").asText("");
    return GatedMlp.Activation.parse(name.isEmpty() || name.equals("null") ? "gelu_pytorch_tanh" : name,
        config.source());
  }

  /**
   * ids [B, T] → embeddings × sqrt(hidden) [B, T, hidden] f32. transformers multiplies by
   * {@code torch.tensor(hidden_size**0.5, dtype=hidden_states.dtype)}: the normaliser is rounded to
   * the activation dtype, so under bf16 it is bf16(sqrt(hidden)) (55.5 for hidden 3072) (GemmaModel.forward).
   */
  public static Operand<TFloat32> scaledEmbedding(
      Ops tf, Weights w, Operand<TInt32> ids, ModelConfig config, Precision precision) {
    float normalizer = (float) Math.sqrt(config.hiddenSize());
    if (precision == Precision.BF16) {
      normalizer = Float.intBitsToFloat((Conversions.floatToBf16(normalizer) & 0xffff) << 16);
    }
    Operand<TFloat32> h = tf.gather(w.get("model.embed_tokens.weight"), ids, tf.constant(0));
    return tf.math.mul(h, tf.constant(normalizer));
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public List<ParameterSpec> parameters() {
    long hidden = config.hiddenSize();
    long qWidth = (long) config.numAttentionHeads() * config.headDim();
    long kvWidth = (long) config.numKeyValueHeads() * config.headDim();
    long inter = config.intermediateSize();
    List<ParameterSpec> specs = new ArrayList<>();
    specs.add(new ParameterSpec("model.embed_tokens.weight", new long[] {config.vocabSize(), hidden}));
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      String p = "model.layers." + i + ".";
      // (1 + w) norms start at zero (transformers GemmaRMSNorm: self.weight = nn.Parameter(torch.zeros(dim)))
      specs.add(new ParameterSpec(p + "input_layernorm.weight", new long[] {hidden}, Init.ZEROS));
      specs.add(new ParameterSpec(p + "self_attn.q_proj.weight", new long[] {qWidth, hidden}));
      specs.add(new ParameterSpec(p + "self_attn.k_proj.weight", new long[] {kvWidth, hidden}));
      specs.add(new ParameterSpec(p + "self_attn.v_proj.weight", new long[] {kvWidth, hidden}));
      specs.add(new ParameterSpec(p + "self_attn.o_proj.weight", new long[] {hidden, qWidth}));
      specs.add(new ParameterSpec(p + "post_attention_layernorm.weight", new long[] {hidden}, Init.ZEROS));
      specs.add(new ParameterSpec(p + "mlp.gate_proj.weight", new long[] {inter, hidden}));
      specs.add(new ParameterSpec(p + "mlp.up_proj.weight", new long[] {inter, hidden}));
      specs.add(new ParameterSpec(p + "mlp.down_proj.weight", new long[] {hidden, inter}));
    }
    specs.add(new ParameterSpec("model.norm.weight", new long[] {hidden}, Init.ZEROS));
    if (!config.tieWordEmbeddings()) {
      specs.add(new ParameterSpec("lm_head.weight", new long[] {config.vocabSize(), hidden}));
    }
    return specs;
  }

  @Override
  public LayerStack layers(Ops tf, ForwardInputs in) {
    Rope.Table rope = Rope.table(tf, config.rope(), config.headDim(), in.positions());
    return new LayerStack() {
      @Override
      public int size() {
        return config.numHiddenLayers();
      }

      @Override
      public Operand<TFloat32> embed(Ops tf, Weights w) {
        return scaledEmbedding(tf, w, in.ids(), config, precision); // [B, T, hidden]
      }

      @Override
      public Output layer(Ops tf, Weights w, int i, Operand<TFloat32> h, KvCache.Layer cache) {
        String p = "model.layers." + i + ".";
        Operand<TFloat32> x = norm(tf, h, w.get(p + "input_layernorm.weight"));
        Attention.Result a = attention(tf, w, p + "self_attn.", x, rope, in, cache);
        h = tf.math.add(h, a.output());

        x = norm(tf, h, w.get(p + "post_attention_layernorm.weight"));
        h = tf.math.add(h, GatedMlp.apply(tf, x, w.get(p + "mlp.gate_proj.weight"), w.get(p + "mlp.up_proj.weight"),
            w.get(p + "mlp.down_proj.weight"), activation, precision));
        return new Output(h, a.cache());
      }

      @Override
      public Operand<TFloat32> head(Ops tf, Weights w, Operand<TFloat32> h) {
        h = norm(tf, h, w.get("model.norm.weight"));
        Operand<TFloat32> head = w.get(config.lmHeadWeight());
        return Linear.apply(tf, h, head, null, precision); // [B, T, V]
      }
    };
  }

  /** x: [B, T, hidden] → attention output after o_proj [B, T, hidden]. */
  private Attention.Result attention(
      Ops tf, Weights w, String p, Operand<TFloat32> x, Rope.Table rope, ForwardInputs in, KvCache.Layer cache) {
    int headDim = config.headDim();
    Operand<TFloat32> q = Attention.splitHeads(tf, project(tf, w, p + "q_proj", x), config.numAttentionHeads(), headDim);
    Operand<TFloat32> k = Attention.splitHeads(tf, project(tf, w, p + "k_proj", x), config.numKeyValueHeads(), headDim);
    Operand<TFloat32> v = Attention.splitHeads(tf, project(tf, w, p + "v_proj", x), config.numKeyValueHeads(), headDim);
    q = Rope.apply(tf, q, rope);
    k = Rope.apply(tf, k, rope);
    Attention.Result a = Attention.apply(tf, attention, q, k, v, in.allowed(), in.positions(), in.keyPositions(),
        cache, in.cacheWriteIndex());
    return new Attention.Result(project(tf, w, p + "o_proj", a.output()), a.cache());
  }

  private Operand<TFloat32> project(Ops tf, Weights w, String name, Operand<TFloat32> x) {
    return Linear.apply(tf, x, w.get(name + ".weight"), null, precision);
  }

  private Operand<TFloat32> norm(Ops tf, Operand<TFloat32> x, Operand<TFloat32> weight) {
    return RmsNorm.apply(tf, x, weight, config.rmsNormEps(), RmsNorm.Scale.ONE_PLUS_WEIGHT);
  }
}
