package io.liquidj.backbones;

import com.google.inject.AbstractModule;
import io.liquidj.backbones.llama.LlamaModule;

/** Installs every backbone family's module; nothing else. */
public final class BackbonesModule extends AbstractModule {
  @Override
  protected void configure() {
    install(new LlamaModule());
  }
}
