package io.liquidj.framework.backbone;

import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.Weights;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TFloating;

/**
 * A decoder-only language model as a TensorFlow graph function: token ids (and the attention
 * structure) in, next-token logits out.
 *
 * <p>A backbone holds no TensorFlow state. It reads its parameters through {@link Weights} (resource
 * variables named exactly as the Hugging Face checkpoint's tensors), so the same backbone builds the
 * training graph, the KV-cache decoding step inside a while loop, and a SavedModel signature.
 */
public interface Backbone {
  /** The architecture, as read from the checkpoint's config.json (or a named shape). */
  ModelConfig config();

  /** Every parameter this backbone reads: Hugging Face tensor names and shapes, checkpoint order. */
  List<ParameterSpec> parameters();

  /**
   * The pieces of one forward pass over {@code inputs} (embedding, each layer, head), sharing what the
   * layers need of the inputs (the rotary table of the positions).
   */
  LayerStack layers(Ops tf, ForwardInputs inputs);

  /**
   * One forward pass.
   *
   * <p>Without a cache: ids [B,T] → logits [B,T,V]. With a cache: the new tokens' keys and values are
   * written into the cache at {@link ForwardInputs#cacheWriteIndex()} and the queries attend over the
   * whole cache; the result carries the updated cache.
   */
  default ForwardResult forward(Ops tf, Weights weights, ForwardInputs inputs) {
    LayerStack stack = layers(tf, inputs);
    Operand<TFloat32> h = stack.embed(tf, weights);
    List<Operand<? extends TFloating>> keys = new ArrayList<>();
    List<Operand<? extends TFloating>> values = new ArrayList<>();
    for (int i = 0; i < stack.size(); i++) {
      LayerStack.Output out = stack.layer(tf, weights, i, h, inputs.cache() == null ? null : inputs.cache().layer(i));
      h = out.hidden();
      if (out.cache() != null) {
        keys.add(out.cache().keys());
        values.add(out.cache().values());
      }
    }
    return new ForwardResult(stack.head(tf, weights, h), inputs.cache() == null ? null : new KvCache(keys, values));
  }
}
