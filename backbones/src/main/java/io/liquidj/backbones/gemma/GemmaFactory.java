package io.liquidj.backbones.gemma;

import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import jakarta.inject.Inject;

/** Builds {@link GemmaBackbone} for {@code model_type = "gemma"}. */
public final class GemmaFactory implements BackboneFactory {
  @Inject
  public GemmaFactory() {}

  @Override
  public Backbone create(ModelConfig config, Precision precision) {
    return new GemmaBackbone(config, precision);
  }
}
