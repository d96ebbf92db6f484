package io.liquidj.framework.backbone;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.family.TFloating;

/**
 * Per-layer attention keys and values of the tokens seen so far, each [B, num_key_value_heads, S,
 * head_dim] in the precision's matmul dtype. Keys are stored after RoPE.
 */
public record KvCache(List<Operand<? extends TFloating>> keys, List<Operand<? extends TFloating>> values) {
  public KvCache {
    keys = List.copyOf(keys);
    values = List.copyOf(values);
    if (keys.size() != values.size()) {
      throw new IllegalArgumentException("keys and values must have one entry per layer");
    }
  }

  /** One layer's keys and values, each [B, num_key_value_heads, S, head_dim]. */
  public record Layer(Operand<? extends TFloating> keys, Operand<? extends TFloating> values) {}

  /** Layer {@code index}'s entries. */
  public Layer layer(int index) {
    return new Layer(keys.get(index), values.get(index));
  }
}
