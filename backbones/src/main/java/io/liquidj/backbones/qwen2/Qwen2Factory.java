package io.liquidj.backbones.qwen2;

import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import jakarta.inject.Inject;

/** Builds {@link Qwen2Backbone} for {@code model_type = "qwen2"}. */
public final class Qwen2Factory implements BackboneFactory {
  @Inject
  public Qwen2Factory() {}

  @Override
  public Backbone create(ModelConfig config, Precision precision) {
    return new Qwen2Backbone(config, precision);
  }
}
