package io.liquidj.backbones.qwen2;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.liquidj.framework.backbone.BackboneFactory;

/** Registers the {@code qwen2} backbone family. */
public final class Qwen2Module extends AbstractModule {
  @Override
  protected void configure() {
    MapBinder.newMapBinder(binder(), String.class, BackboneFactory.class).addBinding("qwen2").to(Qwen2Factory.class);
  }
}
