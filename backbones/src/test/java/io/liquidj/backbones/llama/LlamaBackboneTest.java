package io.liquidj.backbones.llama;

import io.liquidj.backbones.BackboneContract;
import io.liquidj.framework.backbone.BackboneFactory;

class LlamaBackboneTest implements BackboneContract {
  @Override
  public String fixture() {
    return "hf/llama3";
  }

  @Override
  public BackboneFactory factory() {
    return LlamaBackbone::new;
  }
}
