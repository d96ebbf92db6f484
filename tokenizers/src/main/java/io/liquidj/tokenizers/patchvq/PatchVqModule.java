package io.liquidj.tokenizers.patchvq;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.liquidj.framework.tokenizer.ImageTokenizerFactory;

/** Registers the patch VQ image tokenizer as {@code "patch-vq"}. */
public final class PatchVqModule extends AbstractModule {
  @Override
  protected void configure() {
    MapBinder.newMapBinder(binder(), String.class, ImageTokenizerFactory.class).addBinding(PatchVqConfig.KIND)
        .to(PatchVqTokenizerFactory.class);
  }
}
