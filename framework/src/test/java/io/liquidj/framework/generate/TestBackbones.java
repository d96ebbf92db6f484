package io.liquidj.framework.generate;

import io.liquidj.framework.backbone.Backbone;

/** Test backbones for other test packages. */
public final class TestBackbones {
  private TestBackbones() {}

  /** A one-layer attention model with a real KV cache (see {@link TinyCacheBackbone}). */
  public static Backbone tinyCache(int vocab, int hidden) {
    return new TinyCacheBackbone(vocab, hidden);
  }
}
