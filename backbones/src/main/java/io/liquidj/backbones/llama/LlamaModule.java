package io.liquidj.backbones.llama;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.liquidj.framework.backbone.BackboneFactory;

/** Registers the {@code llama} backbone family. */
public final class LlamaModule extends AbstractModule {
  @Override
  protected void configure() {
    MapBinder.newMapBinder(binder(), String.class, BackboneFactory.class).addBinding("llama").to(LlamaFactory.class);
  }
}
