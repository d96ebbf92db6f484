package io.liquidj.framework.backbone;

import java.util.Arrays;

/**
 * One parameter of a backbone: its Hugging Face tensor name ({@code model.layers.3.self_attn.q_proj.weight})
 * and shape, in the checkpoint's layout ([out, in] for projections).
 */
public record ParameterSpec(String name, long[] shape) {
  public ParameterSpec {
    shape = shape.clone();
  }

  /** The number of elements. */
  public long size() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ParameterSpec p && p.name.equals(name) && Arrays.equals(p.shape, shape);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape);
  }
}
