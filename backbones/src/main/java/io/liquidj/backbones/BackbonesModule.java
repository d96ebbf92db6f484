package io.liquidj.backbones;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.liquidj.backbones.gemma.GemmaBackbone;
import io.liquidj.backbones.gemma2.Gemma2Backbone;
import io.liquidj.backbones.llama.LlamaBackbone;
import io.liquidj.backbones.qwen2.Qwen2Backbone;
import io.liquidj.framework.backbone.BackboneFactory;

/** Registers every backbone family under its Hugging Face {@code model_type}: one line a family. */
public final class BackbonesModule extends AbstractModule {
  @Override
  protected void configure() {
    MapBinder<String, BackboneFactory> families = MapBinder.newMapBinder(binder(), String.class, BackboneFactory.class);
    families.addBinding("llama").toInstance(BackboneFactory.of(LlamaBackbone::new, LlamaBackbone::configDefaults));
    families.addBinding("qwen2").toInstance(BackboneFactory.of(Qwen2Backbone::new, Qwen2Backbone::configDefaults));
    families.addBinding("gemma").toInstance(BackboneFactory.of(GemmaBackbone::new, GemmaBackbone::configDefaults));
    families.addBinding("gemma2").toInstance(BackboneFactory.of(Gemma2Backbone::new, Gemma2Backbone::configDefaults));
  }
}
