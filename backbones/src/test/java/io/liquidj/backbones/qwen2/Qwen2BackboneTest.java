package io.liquidj.backbones.qwen2;

import io.liquidj.backbones.BackboneContract;
import io.liquidj.framework.backbone.BackboneFactory;

class Qwen2BackboneTest implements BackboneContract {
  @Override
  public String fixture() {
    return "hf/qwen2.5";
  }

  @Override
  public BackboneFactory factory() {
    return Qwen2Backbone::new;
  }
}
