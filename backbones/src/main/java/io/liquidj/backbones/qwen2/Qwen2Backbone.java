package io.liquidj.backbones.qwen2;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * Qwen2 / Qwen2.5 ({@code model_type = "qwen2"}), as transformers' {@code Qwen2ForCausalLM}: the Llama
 * layout with biases on the query, key and value projections (not on o_proj), rope_theta 1e6, tied
 * embeddings in the small sizes, and sliding-window attention only on the layers {@code layer_types}
 * marks (when {@code use_sliding_window} is set).
 */
public final class Qwen2Backbone implements Backbone {
  private final ModelConfig config;
  private final Precision precision;
  private final GatedMlp.Activation activation;

  public Qwen2Backbone(ModelConfig config, Precision precision) {
    this.config = config;
    this.precision = precision;
    this.activation = GatedMlp.Activation.parse(config.hiddenActivation(), config.source());
    if (config.rope().type().equals("llama3")) {
      throw new UserError(config.source() + ": qwen2 with rope type llama3 is not supported; supported: default");
    }
  }

  /**
   * Qwen2Config's rules: {@code sliding_window} counts only with {@code use_sliding_window}
   * ({@code self.sliding_window = sliding_window if self.use_sliding_window else None}), and without
   * {@code layer_types} the layers from {@code max_window_layers} (default 28) on slide.
   */
  public static void configDefaults(ObjectNode json) {
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
    long hidden = config.hiddenSize();
    long qWidth = (long) config.numAttentionHeads() * config.headDim();
    long kvWidth = (long) config.numKeyValueHeads() * config.headDim();
    long inter = config.intermediateSize();
    List<ParameterSpec> specs = new ArrayList<>();
    specs.add(new ParameterSpec("model.embed_tokens.weight", new long[] {config.vocabSize(), hidden}));
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      String p = "model.layers." + i + ".";
      specs.add(new ParameterSpec(p + "input_layernorm.weight", new long[] {hidden}, Init.ONES));
      specs.add(new ParameterSpec(p + "self_attn.q_proj.weight", new long[] {qWidth, hidden}));
      specs.add(new ParameterSpec(p + "self_attn.q_proj.bias", new long[] {qWidth}, Init.ZEROS));
      specs.add(new ParameterSpec(p + "self_attn.k_proj.weight", new long[] {kvWidth, hidden}));
      specs.add(new ParameterSpec(p + "self_attn.k_proj.bias", new long[] {kvWidth}, Init.ZEROS));
      specs.add(new ParameterSpec(p + "self_attn.v_proj.weight", new long[] {kvWidth, hidden}));
      specs.add(new ParameterSpec(p + "self_attn.v_proj.bias", new long[] {kvWidth}, Init.ZEROS));
      specs.add(new ParameterSpec(p + "self_attn.o_proj.weight", new long[] {hidden, qWidth}));
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
        Attention.Result a = attention(tf, w, i, x, rope, in, cache);
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
      Ops tf, Weights w, int layer, Operand<TFloat32> x, Rope.Table rope, ForwardInputs in,
      KvCache.Layer cache) {
    String p = "model.layers." + layer + ".self_attn.";
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int headDim = config.headDim();
    // q_proj, k_proj, v_proj have bias=True; o_proj has none (transformers Qwen2Attention.__init__)
    Operand<TFloat32> q = Attention.splitHeads(tf, biased(tf, w, p + "q_proj", x), heads, headDim);
    Operand<TFloat32> k = Attention.splitHeads(tf, biased(tf, w, p + "k_proj", x), kvHeads, headDim);
    Operand<TFloat32> v = Attention.splitHeads(tf, biased(tf, w, p + "v_proj", x), kvHeads, headDim);
    q = Rope.apply(tf, q, rope);
    k = Rope.apply(tf, k, rope);
    // sliding_window only on layers layer_types marks "sliding_attention" (transformers Qwen2Attention)
    int window = config.isSlidingLayer(layer) ? config.slidingWindow() : 0;
    Attention.Settings settings = new Attention.Settings(heads, kvHeads, headDim, Math.pow(headDim, -0.5), 0, window,
        precision);
    Attention.Result a = Attention.apply(tf, settings, q, k, v, in.allowed(), in.positions(), in.keyPositions(),
        cache, in.cacheWriteIndex());
    Operand<TFloat32> out = Linear.apply(tf, a.output(), w.get(p + "o_proj.weight"), null, precision);
    return new Attention.Result(out, a.cache());
  }

  private Operand<TFloat32> biased(Ops tf, Weights w, String name, Operand<TFloat32> x) {
    return Linear.apply(tf, x, w.get(name + ".weight"), /* bias= */ w.get(name + ".bias"), precision);
  }

  private Operand<TFloat32> norm(Ops tf, Operand<TFloat32> x, Operand<TFloat32> weight) {
    return RmsNorm.apply(tf, x, weight, config.rmsNormEps(), RmsNorm.Scale.WEIGHT);
  }
}
