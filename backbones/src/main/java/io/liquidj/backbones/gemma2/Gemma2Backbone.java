package io.liquidj.backbones.gemma2;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.backbones.gemma.GemmaBackbone;
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
 * Gemma-2 ({@code model_type = "gemma2"}), as transformers' {@code Gemma2ForCausalLM}: Gemma's scaled
 * embedding, (1 + w) norms and GeGLU, plus norms before and after both attention and MLP, attention
 * scale {@code query_pre_attn_scalar^-0.5}, attention-logit soft-capping (50), final-logit
 * soft-capping (30), and sliding-window attention on the layers {@code layer_types} marks.
 */
public final class Gemma2Backbone implements Backbone {
  private final ModelConfig config;
  private final Precision precision;
  private final GatedMlp.Activation activation;

  public Gemma2Backbone(ModelConfig config, Precision precision) {
    this.config = config;
    this.precision = precision;
    this.activation = GemmaBackbone.activation(config);
  }

  /**
   * Gemma2Config's defaults: {@code tie_word_embeddings = True}, and without {@code layer_types} the
   * even layers slide ({@code "sliding_attention" if bool((i + 1) % 2) else "full_attention"}).
   */
  public static void configDefaults(ObjectNode json) {
    if (!json.hasNonNull("tie_word_embeddings")) {
      json.put("tie_word_embeddings", true);
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
    long hidden = config.hiddenSize();
    long qWidth = (long) config.numAttentionHeads() * config.headDim();
    long kvWidth = (long) config.numKeyValueHeads() * config.headDim();
    long inter = config.intermediateSize();
    List<ParameterSpec> specs = new ArrayList<>();
    specs.add(new ParameterSpec("model.embed_tokens.weight", new long[] {config.vocabSize(), hidden}));
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      String p = "model.layers." + i + ".";
      specs.add(new ParameterSpec(p + "input_layernorm.weight", new long[] {hidden}, Init.ZEROS));
      specs.add(new ParameterSpec(p + "self_attn.q_proj.weight", new long[] {qWidth, hidden}));
      specs.add(new ParameterSpec(p + "self_attn.k_proj.weight", new long[] {kvWidth, hidden}));
      specs.add(new ParameterSpec(p + "self_attn.v_proj.weight", new long[] {kvWidth, hidden}));
      specs.add(new ParameterSpec(p + "self_attn.o_proj.weight", new long[] {hidden, qWidth}));
      specs.add(new ParameterSpec(p + "post_attention_layernorm.weight", new long[] {hidden}, Init.ZEROS));
      specs.add(new ParameterSpec(p + "pre_feedforward_layernorm.weight", new long[] {hidden}, Init.ZEROS));
      specs.add(new ParameterSpec(p + "mlp.gate_proj.weight", new long[] {inter, hidden}));
      specs.add(new ParameterSpec(p + "mlp.up_proj.weight", new long[] {inter, hidden}));
      specs.add(new ParameterSpec(p + "mlp.down_proj.weight", new long[] {hidden, inter}));
      specs.add(new ParameterSpec(p + "post_feedforward_layernorm.weight", new long[] {hidden}, Init.ZEROS));
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
        return GemmaBackbone.scaledEmbedding(tf, w, in.ids(), config, precision); // [B, T, hidden]
      }

      @Override
      public Output layer(Ops tf, Weights w, int i, Operand<TFloat32> h, KvCache.Layer cache) {
        // Norms before and after each sub-block, then the residual (transformers Gemma2DecoderLayer.forward)
        String p = "model.layers." + i + ".";
        Operand<TFloat32> x = norm(tf, h, w.get(p + "input_layernorm.weight"));
        Attention.Result a = attention(tf, w, i, x, rope, in, cache);
        h = tf.math.add(h, norm(tf, a.output(), w.get(p + "post_attention_layernorm.weight")));

        x = norm(tf, h, w.get(p + "pre_feedforward_layernorm.weight"));
        x = GatedMlp.apply(tf, x, w.get(p + "mlp.gate_proj.weight"), w.get(p + "mlp.up_proj.weight"),
            w.get(p + "mlp.down_proj.weight"), activation, precision);
        h = tf.math.add(h, norm(tf, x, w.get(p + "post_feedforward_layernorm.weight")));
        return new Output(h, a.cache());
      }

      @Override
      public Operand<TFloat32> head(Ops tf, Weights w, Operand<TFloat32> h) {
        h = norm(tf, h, w.get("model.norm.weight"));
        Operand<TFloat32> head = w.get(config.lmHeadWeight());
        Operand<TFloat32> logits = Linear.apply(tf, h, head, null, precision); // [B, T, V]
        if (config.finalLogitSoftcapping() > 0) {
          // logits / final_logit_softcapping; tanh; * final_logit_softcapping (transformers Gemma2ForCausalLM.forward)
          Operand<TFloat32> cap = tf.constant((float) config.finalLogitSoftcapping());
          logits = tf.math.mul(tf.math.tanh(tf.math.div(logits, cap)), cap);
        }
        return logits;
      }
    };
  }

  /** x: [B, T, hidden] → attention output after o_proj [B, T, hidden]. */
  private Attention.Result attention(
      Ops tf, Weights w, int layer, Operand<TFloat32> x, Rope.Table rope, ForwardInputs in,
      KvCache.Layer cache) {
    String p = "model.layers." + layer + ".self_attn.";
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int headDim = config.headDim();
    Operand<TFloat32> q = Attention.splitHeads(tf, project(tf, w, p + "q_proj", x), heads, headDim);
    Operand<TFloat32> k = Attention.splitHeads(tf, project(tf, w, p + "k_proj", x), kvHeads, headDim);
    Operand<TFloat32> v = Attention.splitHeads(tf, project(tf, w, p + "v_proj", x), kvHeads, headDim);
    q = Rope.apply(tf, q, rope);
    k = Rope.apply(tf, k, rope);
    // self.scaling = config.query_pre_attn_scalar**-0.5, not head_dim (transformers Gemma2Attention.__init__)
    double scalar = config.queryPreAttnScalar() > 0 ? config.queryPreAttnScalar() : headDim;
    int window = config.isSlidingLayer(layer) ? config.slidingWindow() : 0;
    Attention.Settings settings = new Attention.Settings(heads, kvHeads, headDim, Math.pow(scalar, -0.5),
        config.attnLogitSoftcapping(), window, precision);
    Attention.Result a = Attention.apply(tf, settings, q, k, v, in.allowed(), in.positions(), in.keyPositions(),
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
