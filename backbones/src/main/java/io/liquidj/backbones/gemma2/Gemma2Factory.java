package io.liquidj.backbones.gemma2;

import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import jakarta.inject.Inject;

/** Builds {@link Gemma2Backbone} for {@code model_type = "gemma2"}. */
public final class Gemma2Factory implements BackboneFactory {
  @Inject
  public Gemma2Factory() {}

  @Override
  public Backbone create(ModelConfig config, Precision precision) {
    return new Gemma2Backbone(config, precision);
  }
}
