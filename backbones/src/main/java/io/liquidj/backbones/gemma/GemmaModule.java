package io.liquidj.backbones.gemma;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.liquidj.framework.backbone.BackboneFactory;

/** Registers the {@code gemma} backbone family. */
public final class GemmaModule extends AbstractModule {
  @Override
  protected void configure() {
    MapBinder.newMapBinder(binder(), String.class, BackboneFactory.class).addBinding("gemma").to(GemmaFactory.class);
  }
}
