package io.liquidj.backbones.llama;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.KvCache;
import io.liquidj.framework.backbone.LayerStack;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.ParameterSpec.Init;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.tf.Weights;
import io.liquidj.framework.nn.Attention;
import io.liquidj.framework.nn.GatedMlp;
import io.liquidj.framework.nn.Linear;
import io.liquidj.framework.nn.RmsNorm;
import io.liquidj.framework.nn.Rope;
import java.util.ArrayList;
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
  private final Attention.Settings attention;
  private final GatedMlp.Activation activation;

  public LlamaBackbone(ModelConfig config, Precision precision) {
    this.config = config;
    this.precision = precision;
    if (config.slidingWindow() > 0) {
      throw new UserError(config.source() + ": llama does not support sliding_window (found "
          + config.slidingWindow() + "); supported: none");
    }
    if (config.raw().path("mlp_bias").asBoolean(false)) {
      throw new UserError(config.source() + ": llama with mlp_bias = true is not supported; supported: mlp_bias = false");
    }
    // self.scaling = self.head_dim ** -0.5 (transformers LlamaAttention.__init__)
    this.attention = new Attention.Settings(config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim(),
        Math.pow(config.headDim(), -0.5), 0, 0, precision);
    this.activation = GatedMlp.Activation.parse(config.hiddenActivation(), config.source());
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
    boolean bias = config.attentionBias();
    List<ParameterSpec> specs = new ArrayList<>();
    specs.add(new ParameterSpec("model.embed_tokens.weight", new long[] {config.vocabSize(), hidden}));
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      String p = "model.layers." + i + ".";
      specs.add(new ParameterSpec(p + "input_layernorm.weight", new long[] {hidden}, Init.ONES));
      specs.add(new ParameterSpec(p + "self_attn.q_proj.weight", new long[] {qWidth, hidden}));
      specs.add(new ParameterSpec(p + "self_attn.k_proj.weight", new long[] {kvWidth, hidden}));
      specs.add(new ParameterSpec(p + "self_attn.v_proj.weight", new long[] {kvWidth, hidden}));
      if (bias) {
        specs.add(new ParameterSpec(p + "self_attn.q_proj.bias", new long[] {qWidth}, Init.ZEROS));
        specs.add(new ParameterSpec(p + "self_attn.k_proj.bias", new long[] {kvWidth}, Init.ZEROS));
        specs.add(new ParameterSpec(p + "self_attn.v_proj.bias", new long[] {kvWidth}, Init.ZEROS));
      }
      specs.add(new ParameterSpec(p + "self_attn.o_proj.weight", new long[] {hidden, qWidth}));
      if (bias) {
        specs.add(new ParameterSpec(p + "self_attn.o_proj.bias", new long[] {hidden}, Init.ZEROS));
      }
      specs.add(new ParameterSpec(p + "post_attention_layernorm.weight", new long[] {hidden}, Init.ONES));
      specs.add(new ParameterSpec(p + "mlp.gate_proj.weight", new long[] {inter, hidden}));
      specs.add(new ParameterSpec(p + "mlp.up_proj.weight", new long[] {inter, hidden}));
      specs.add(new ParameterSpec(p + "mlp.down_proj.weight", new long[] {hidden, inter}));
    }
    specs.add(new ParameterSpec("model.norm.weight", new long[] {hidden}, Init.ONES));
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
        // inputs_embeds = self.embed_tokens(input_ids): gather from the read (ResourceGather has no gradient)
        return tf.gather(w.get("model.embed_tokens.weight"), in.ids(), tf.constant(0)); // [B, T, hidden]
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
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int headDim = config.headDim();
    Operand<TFloat32> q = Attention.splitHeads(tf, projection(tf, w, p + "q_proj", x), heads, headDim);
    Operand<TFloat32> k = Attention.splitHeads(tf, projection(tf, w, p + "k_proj", x), kvHeads, headDim);
    Operand<TFloat32> v = Attention.splitHeads(tf, projection(tf, w, p + "v_proj", x), kvHeads, headDim);
    q = Rope.apply(tf, q, rope);
    k = Rope.apply(tf, k, rope);
    Attention.Result a = Attention.apply(tf, attention, q, k, v, in.allowed(), in.positions(), in.keyPositions(),
        cache, in.cacheWriteIndex());
    return new Attention.Result(projection(tf, w, p + "o_proj", a.output()), a.cache());
  }

  private Operand<TFloat32> projection(Ops tf, Weights w, String name, Operand<TFloat32> x) {
    Operand<TFloat32> bias = config.attentionBias() ? w.get(name + ".bias") : null;
    return Linear.apply(tf, x, w.get(name + ".weight"), bias, precision);
  }

  private Operand<TFloat32> norm(Ops tf, Operand<TFloat32> x, Operand<TFloat32> weight) {
    return RmsNorm.apply(tf, x, weight, config.rmsNormEps(), RmsNorm.Scale.WEIGHT);
  }
}
