package io.liquidj.tokenizers;

import com.google.inject.AbstractModule;

/** Installs the text and image tokenizer modules; nothing else. */
public final class TokenizersModule extends AbstractModule {
  @Override
  protected void configure() {
    install(new io.liquidj.tokenizers.text.TextTokenizersModule());
    install(new io.liquidj.tokenizers.vqgan.VqganModule());
    install(new io.liquidj.tokenizers.patchvq.PatchVqModule());
  }
}
