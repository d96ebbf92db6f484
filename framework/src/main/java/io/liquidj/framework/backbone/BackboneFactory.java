package io.liquidj.framework.backbone;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Consumer;

/**
 * Builds one backbone family. Registered in a {@code MapBinder<String, BackboneFactory>} under the
 * Hugging Face {@code model_type} ({@code llama}, {@code qwen2}, {@code gemma}, {@code gemma2}): a family
 * without config rules binds its constructor ({@code LlamaBackbone::new}), one with rules
 * {@code BackboneFactory.of(Gemma2Backbone::new, Gemma2Backbone::configDefaults)}.
 */
public interface BackboneFactory {
  /**
   * The backbone for {@code config}.
   *
   * @throws io.liquidj.framework.UserError if the config asks for something this family does not
   *     support (the message lists what is supported)
   */
  Backbone create(ModelConfig config, Precision precision);

  /**
   * Fills into a config.json what this family's transformers config class derives when the file leaves
   * it out ({@code tie_word_embeddings}, {@code layer_types}, ...), so that {@link ModelConfig} reads
   * only explicit fields. {@link Backbones} applies it to every config before the family sees it; it
   * must leave a config it has already filled unchanged. None by default.
   */
  default void configDefaults(ObjectNode configJson) {}

  /** A family whose config.json rules are {@code configDefaults}. */
  static BackboneFactory of(BackboneFactory constructor, Consumer<ObjectNode> configDefaults) {
    return new BackboneFactory() {
      @Override
      public Backbone create(ModelConfig config, Precision precision) {
        return constructor.create(config, precision);
      }

      @Override
      public void configDefaults(ObjectNode configJson) {
        configDefaults.accept(configJson);
      }
    };
  }
}
