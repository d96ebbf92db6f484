package io.liquidj.tokenizers.vqgan;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.liquidj.framework.tokenizer.ImageTokenizerFactory;

/** Registers the VQGAN image tokenizer as {@code "vqgan"}. */
public final class VqganModule extends AbstractModule {
  @Override
  protected void configure() {
    MapBinder.newMapBinder(binder(), String.class, ImageTokenizerFactory.class).addBinding("vqgan").to(VqganTokenizerFactory.class);
  }
}
