package io.liquidj.backbones.windowed;

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
 * A test-only family ({@code model_type = "parallel_windowed"}), added the way a new family is: decoder
 * layers whose attention and MLP read the same norm side by side (as GPT-J and Cohere), attention within a
 * sliding window on every layer (as Mistral), its config rule in {@link #configDefaults}. It proves that a
 * family needs its file, one binding line, one shape and one test, and nothing in the framework.
 */
public final class ParallelWindowedBackbone implements Backbone {
  private final ModelConfig config;
  private final Precision precision;
  private final RmsNorm norm;
  private final GatedMlp.Activation activation;

  public ParallelWindowedBackbone(ModelConfig config, Precision precision) {
    this.config = config;
    this.precision = precision;
    this.norm = new RmsNorm(config.rmsNormEps(), RmsNorm.Scale.WEIGHT);
    this.activation = GatedMlp.Activation.parse(config.hiddenActivation(), config.source());
  }

  /** Without {@code layer_types}, every layer slides (as MistralConfig). */
  public static void configDefaults(ObjectNode json) {
    if (!json.hasNonNull("layer_types")) {
      ArrayNode layerTypes = json.putArray("layer_types");
      for (int i = 0; i < json.path("num_hidden_layers").asInt(); i++) {
        layerTypes.add("sliding_attention");
      }
    }
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public List<ParameterSpec> parameters() {
    return CausalLm.parameters(config, norm, SelfAttention.Bias.NONE, "input_layernorm");
  }

  @Override
  public LayerStack layers(Ops ops, ForwardInputs in) {
    return CausalLm.layers(ops, config, in,
        (tf, w) -> CausalLm.embed(tf, w, in.ids()),
        this::layer,
        (tf, w, h) -> CausalLm.normedLmHead(tf, w, h, norm, config, precision));
  }

  /** Decoder layer {@code i}: {@code h + attention(x) + mlp(x)} with {@code x = norm(h)}. */
  private LayerStack.Output layer(
      Ops tf, Weights w, int i, Operand<TFloat32> h, Rope.Table rope, ForwardInputs in, KvCache.Layer cache) {
    String p = "model.layers." + i + ".";
    int window = config.isSlidingLayer(i) ? config.slidingWindow() : 0;
    Operand<TFloat32> x = norm.apply(tf, h, w.get(p + "input_layernorm.weight"));
    Attention.Result a = SelfAttention.apply(tf, w, p + "self_attn.", x,
        SelfAttention.settings(config, Math.pow(config.headDim(), -0.5), 0, window, precision),
        SelfAttention.Bias.NONE, rope, in, cache);
    Operand<TFloat32> mlp = GatedMlp.apply(tf, w, p + "mlp.", x, activation, precision);
    return new LayerStack.Output(tf.math.add(h, tf.math.add(a.output(), mlp)), a.cache());
  }
}
