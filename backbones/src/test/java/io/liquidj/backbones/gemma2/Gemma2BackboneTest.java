package io.liquidj.backbones.gemma2;

import io.liquidj.backbones.BackboneContract;
import io.liquidj.framework.backbone.BackboneFactory;

class Gemma2BackboneTest implements BackboneContract {
  @Override
  public String fixture() {
    return "hf/gemma2";
  }

  @Override
  public BackboneFactory factory() {
    return Gemma2Backbone::new;
  }
}
