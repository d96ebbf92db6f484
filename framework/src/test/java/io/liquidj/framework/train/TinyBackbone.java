package io.liquidj.framework.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.KvCache;
import io.liquidj.framework.backbone.LayerStack;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.Weights;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;

/**
 * A one-layer test model with the backbone contract: embedding → h + tanh(h·upᵀ)·norm → lm_head.
 * It ignores positions and the attention mask (no attention), which the training engine must not care about.
 */
final class TinyBackbone implements Backbone {
  static final int VOCAB = 16;
  static final int HIDDEN = 8;

  private final ModelConfig config;

  TinyBackbone() {
    ObjectNode json = new ObjectMapper().createObjectNode();
    json.put("model_type", "llama").put("vocab_size", VOCAB).put("hidden_size", HIDDEN)
        .put("intermediate_size", HIDDEN).put("num_hidden_layers", 1).put("num_attention_heads", 1);
    config = ModelConfig.fromJson(json, "tiny test backbone");
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public List<ParameterSpec> parameters() {
    return List.of(
        new ParameterSpec("model.embed_tokens.weight", new long[] {VOCAB, HIDDEN}),
        new ParameterSpec("model.layers.0.mlp.up_proj.weight", new long[] {HIDDEN, HIDDEN}),
        new ParameterSpec("model.norm.weight", new long[] {HIDDEN}, ParameterSpec.Init.ONES),
        new ParameterSpec("lm_head.weight", new long[] {VOCAB, HIDDEN}));
  }

  @Override
  public LayerStack layers(Ops ops, ForwardInputs inputs) {
    return new LayerStack() {
      @Override
      public int size() {
        return 1;
      }

      @Override
      public Operand<TFloat32> embed(Ops tf, Weights weights) {
        return tf.gather(weights.get("model.embed_tokens.weight"), inputs.ids(), tf.constant(0)); // [B,T,D]
      }

      @Override
      public Output layer(Ops tf, Weights weights, int index, Operand<TFloat32> h, KvCache.Layer cache) {
        Operand<TFloat32> flat = tf.reshape(h, tf.constant(new int[] {-1, HIDDEN}));
        Operand<TFloat32> up = tf.linalg.matMul(flat, weights.get("model.layers.0.mlp.up_proj.weight"),
            MatMul.transposeB(true)); // [B·T,D]
        Operand<TFloat32> mixed = tf.math.add(flat, tf.math.mul(tf.math.tanh(up), weights.get("model.norm.weight")));
        return new Output(tf.reshape(mixed, tf.shape(h)), null);
      }

      @Override
      public Operand<TFloat32> head(Ops tf, Weights weights, Operand<TFloat32> h) {
        Operand<TFloat32> logits = tf.linalg.matMul(tf.reshape(h, tf.constant(new int[] {-1, HIDDEN})),
            weights.get("lm_head.weight"), MatMul.transposeB(true));
        return tf.reshape(logits, tf.concat(List.of(tf.shape(inputs.ids()), tf.constant(new int[] {VOCAB})),
            tf.constant(0)));
      }
    };
  }
}
