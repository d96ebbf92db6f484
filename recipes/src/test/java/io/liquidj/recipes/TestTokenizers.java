package io.liquidj.recipes;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.liquidj.framework.data.AverageColourQuantizer;
import io.liquidj.framework.data.CharTokenizer;
import io.liquidj.framework.tokenizer.ImageTokenizer;
import io.liquidj.framework.tokenizer.ImageTokenizerFactory;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.framework.tokenizer.TextTokenizerFactory;
import jakarta.inject.Inject;
import java.nio.file.Path;

/**
 * Tokenizers for commands run through the CLI in tests: a {@code tokenizer.json} of model type {@code Char} loads
 * a {@link CharTokenizer} ({@code test-char}; {@code test-never} accepts nothing), and image tokenizer kind
 * {@code test-quantizer} is the {@link AverageColourQuantizer}.
 */
public final class TestTokenizers extends AbstractModule {
  @Override
  protected void configure() {
    var text = MapBinder.newMapBinder(binder(), String.class, TextTokenizerFactory.class);
    text.addBinding("test-never").to(OtherFactory.class);
    text.addBinding("test-char").to(CharFactory.class);
    MapBinder.newMapBinder(binder(), String.class, ImageTokenizerFactory.class).addBinding("test-quantizer").to(QuantizerFactory.class);
  }

  static final class CharFactory implements TextTokenizerFactory {
    @Inject
    CharFactory() {}

    @Override
    public boolean accepts(JsonNode json) {
      return json.path("model").path("type").asText().equals("Char");
    }

    @Override
    public TextTokenizer load(Path d, JsonNode json) {
      return new CharTokenizer();
    }
  }

  static final class OtherFactory implements TextTokenizerFactory {
    @Inject
    OtherFactory() {}

    @Override
    public boolean accepts(JsonNode json) {
      return false;
    }

    @Override
    public TextTokenizer load(Path d, JsonNode json) {
      throw new AssertionError("not this kind");
    }
  }

  static final class QuantizerFactory implements ImageTokenizerFactory {
    @Inject
    QuantizerFactory() {}

    @Override
    public ImageTokenizer load(Path d) {
      return new AverageColourQuantizer();
    }

    @Override
    public io.liquidj.framework.tokenizer.CodesToPixels decoder(Path d) {
      throw new UnsupportedOperationException("test-quantizer has no graph decoder");
    }

    @Override
    public io.liquidj.framework.safetensors.TensorReader openWeights(Path d) {
      throw new UnsupportedOperationException("test-quantizer has no weights");
    }
  }
}
