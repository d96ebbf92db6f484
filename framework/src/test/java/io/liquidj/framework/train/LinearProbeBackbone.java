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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A test model whose gradients are known by hand: every position's logits are {@code [s, 0]} with
 * {@code s = Σ_p Σ_i w_p[i] · c_p[i]} over the parameters p and their fixed coefficients c_p. With every
 * target 1, the cross-entropy is {@code log(1 + e^s)}, so at {@code s = 0} the gradient of the mean loss
 * w.r.t. w_p is {@code c_p / 2}.
 */
final class LinearProbeBackbone implements Backbone {
  private final ModelConfig config;
  private final Map<String, float[]> coefficients;
  private final List<ParameterSpec> parameters = new ArrayList<>();

  /**
   * @param shapes each parameter's shape, by name
   * @param coefficients each parameter's c_p, flat, by name
   * @param init how every parameter starts (ZEROS for s = 0)
   */
  LinearProbeBackbone(Map<String, long[]> shapes, Map<String, float[]> coefficients, ParameterSpec.Init init) {
    ObjectNode json = new ObjectMapper().createObjectNode();
    json.put("model_type", "llama").put("vocab_size", 2).put("hidden_size", 2)
        .put("intermediate_size", 1).put("num_hidden_layers", 1).put("num_attention_heads", 1); // metadata only: the probe has no layers
    config = ModelConfig.fromJson(json, "linear probe test backbone");
    this.coefficients = new LinkedHashMap<>(coefficients);
    shapes.forEach((name, shape) -> parameters.add(new ParameterSpec(name, shape, init)));
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public List<ParameterSpec> parameters() {
    return parameters;
  }

  @Override
  public LayerStack layers(Ops ops, ForwardInputs inputs) {
    return new LayerStack() {
      @Override
      public int size() {
        return 0;
      }

      @Override
      public Operand<TFloat32> embed(Ops tf, Weights weights) {
        List<Operand<TFloat32>> terms = new ArrayList<>();
        for (ParameterSpec p : parameters) {
          Operand<TFloat32> c = tf.reshape(tf.constant(coefficients.get(p.name())), tf.constant(p.shape()));
          Operand<TFloat32> product = tf.math.mul(weights.get(p.name()), c);
          terms.add(tf.reduceSum(product, tf.range(tf.constant(0), tf.rank(product), tf.constant(1))));
        }
        Operand<TFloat32> s = tf.math.addN(terms); // scalar
        Operand<TFloat32> ones = tf.expandDims(tf.onesLike(tf.dtypes.cast(inputs.ids(), TFloat32.class)),
            tf.constant(-1));
        return tf.math.mul(ones, s); // [B,T,1]
      }

      @Override
      public Output layer(Ops tf, Weights weights, int index, Operand<TFloat32> h, KvCache.Layer cache) {
        throw new IllegalStateException("the linear probe has no layers");
      }

      @Override
      public Operand<TFloat32> head(Ops tf, Weights weights, Operand<TFloat32> h) {
        return tf.concat(List.of(h, tf.zerosLike(h)), tf.constant(-1)); // [B,T,2]: [s, 0]
      }
    };
  }
}
