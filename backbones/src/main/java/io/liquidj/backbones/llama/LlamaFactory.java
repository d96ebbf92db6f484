package io.liquidj.backbones.llama;

import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import jakarta.inject.Inject;

/** Builds {@link LlamaBackbone} for {@code model_type = "llama"}. */
public final class LlamaFactory implements BackboneFactory {
  @Inject
  public LlamaFactory() {}

  @Override
  public Backbone create(ModelConfig config, Precision precision) {
    return new LlamaBackbone(config, precision);
  }
}
