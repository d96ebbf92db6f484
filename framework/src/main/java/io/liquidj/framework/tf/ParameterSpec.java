package io.liquidj.framework.tf;

import java.util.Arrays;

/**
 * One parameter of a backbone: its Hugging Face tensor name ({@code model.layers.3.self_attn.q_proj.weight}),
 * shape in the checkpoint's layout ([out, in] for projections), and how a from-scratch run initialises it.
 */
public record ParameterSpec(String name, long[] shape, Init init) {
  /** From-scratch initialisation (transformers' _init_weights: normal(0, initializer_range), norms 1 or 0). */
  public enum Init {
    /** normal(0, initializer_range): projections and embeddings. */
    NORMAL,
    /** ones: RMSNorm weights that scale by w (Llama, Qwen2). */
    ONES,
    /** zeros: biases, and RMSNorm weights that scale by (1 + w) (Gemma, Gemma-2). */
    ZEROS
  }

  public ParameterSpec {
    shape = shape.clone();
  }

  /** A parameter initialised with {@link Init#NORMAL}. */
  public ParameterSpec(String name, long[] shape) {
    this(name, shape, Init.NORMAL);
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
    return o instanceof ParameterSpec p && p.name.equals(name) && Arrays.equals(p.shape, shape) && p.init == init;
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
