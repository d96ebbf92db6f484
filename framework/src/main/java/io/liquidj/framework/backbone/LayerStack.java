package io.liquidj.framework.backbone;

import io.liquidj.framework.tf.Weights;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * One forward pass of a decoder-only backbone, piece by piece: {@link #embed} → {@link #layer} 0 … n−1 →
 * {@link #head}. Whatever the layers share (the rotary table of the pass's positions) is computed once
 * when the backbone makes the stack ({@link Backbone#layers}).
 *
 * <p>{@link Backbone#forward} chains the pieces. The training graph calls them itself when it
 * recomputes each layer's activations in the backward pass (activation checkpointing): a piece may be
 * built more than once, on a different input, and must read its parameters through the {@link Weights}
 * it is given.
 */
public interface LayerStack {
  /** The number of decoder layers. */
  int size();

  /** The token embedding of the pass's ids: [B,T] → hidden [B,T,hidden] f32. */
  Operand<TFloat32> embed(Ops tf, Weights w);

  /**
   * Decoder layer {@code index}: hidden [B,T,hidden] → hidden. With a cache (decoding), the layer's new
   * keys and values are written into {@code cache} and the result carries the updated entries.
   */
  Output layer(Ops tf, Weights w, int index, Operand<TFloat32> hidden, KvCache.Layer cache);

  /** The final norm and LM head (and soft-capping where the family has it): hidden → logits [B,T,V]. */
  Operand<TFloat32> head(Ops tf, Weights w, Operand<TFloat32> hidden);

  /** A layer's output hidden state and, with a cache, its updated entries (else null). */
  record Output(Operand<TFloat32> hidden, KvCache.Layer cache) {}

  /** A stack of {@code size} layers from its three pieces, written as lambdas or method references. */
  static LayerStack of(int size, Embed embed, Layer layer, Head head) {
    return new LayerStack() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public Operand<TFloat32> embed(Ops tf, Weights w) {
        return embed.apply(tf, w);
      }

      @Override
      public Output layer(Ops tf, Weights w, int index, Operand<TFloat32> hidden, KvCache.Layer cache) {
        return layer.apply(tf, w, index, hidden, cache);
      }

      @Override
      public Operand<TFloat32> head(Ops tf, Weights w, Operand<TFloat32> hidden) {
        return head.apply(tf, w, hidden);
      }
    };
  }

  /** {@link #embed} as a function. */
  @FunctionalInterface
  interface Embed {
    Operand<TFloat32> apply(Ops tf, Weights w);
  }

  /** {@link #layer} as a function. */
  @FunctionalInterface
  interface Layer {
    Output apply(Ops tf, Weights w, int index, Operand<TFloat32> hidden, KvCache.Layer cache);
  }

  /** {@link #head} as a function. */
  @FunctionalInterface
  interface Head {
    Operand<TFloat32> apply(Ops tf, Weights w, Operand<TFloat32> hidden);
  }
}
