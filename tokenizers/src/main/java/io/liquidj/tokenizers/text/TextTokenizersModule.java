package io.liquidj.tokenizers.text;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.liquidj.framework.tokenizer.TextTokenizerFactory;

/** Registers the text tokenizer kinds and the loader. */
public final class TextTokenizersModule extends AbstractModule {
  @Override
  protected void configure() {
    MapBinder<String, TextTokenizerFactory> kinds = MapBinder.newMapBinder(binder(), String.class, TextTokenizerFactory.class);
    kinds.addBinding("byte-level-bpe").to(ByteLevelBpeFactory.class);
    kinds.addBinding("sentencepiece-bpe").to(SentencePieceBpeFactory.class);
    bind(TextTokenizers.class);
  }
}
