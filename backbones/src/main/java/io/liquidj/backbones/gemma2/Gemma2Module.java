package io.liquidj.backbones.gemma2;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.liquidj.framework.backbone.BackboneFactory;

/** Registers the {@code gemma2} backbone family. */
public final class Gemma2Module extends AbstractModule {
  @Override
  protected void configure() {
    MapBinder.newMapBinder(binder(), String.class, BackboneFactory.class).addBinding("gemma2").to(Gemma2Factory.class);
  }
}
