package io.liquidj.backbones.gemma;

import io.liquidj.backbones.BackboneContract;
import io.liquidj.framework.backbone.BackboneFactory;

class GemmaBackboneTest implements BackboneContract {
  @Override
  public String fixture() {
    return "hf/gemma";
  }

  @Override
  public BackboneFactory factory() {
    return GemmaBackbone::new;
  }
}
