package io.liquidj.backbones;

import com.google.inject.AbstractModule;
import io.liquidj.backbones.gemma.GemmaModule;
import io.liquidj.backbones.gemma2.Gemma2Module;
import io.liquidj.backbones.llama.LlamaModule;
import io.liquidj.backbones.qwen2.Qwen2Module;

/** Installs every backbone family's module; nothing else. */
public final class BackbonesModule extends AbstractModule {
  @Override
  protected void configure() {
    install(new LlamaModule());
    install(new Qwen2Module());
    install(new GemmaModule());
    install(new Gemma2Module());
  }
}
