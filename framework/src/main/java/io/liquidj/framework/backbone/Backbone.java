package io.liquidj.framework.backbone;

import java.util.List;
import org.tensorflow.op.Ops;

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
   * One forward pass.
   *
   * <p>Without a cache: ids [B,T] → logits [B,T,V]. With a cache: the new tokens' keys and values are
   * written into the cache at {@link ForwardInputs#cacheWriteIndex()} and the queries attend over the
   * whole cache; the result carries the updated cache.
   */
  ForwardResult forward(Ops tf, Weights weights, ForwardInputs inputs);
}
