package io.liquidj.framework.backbone;

/**
 * Builds one backbone family. Registered in a {@code MapBinder<String, BackboneFactory>} under the
 * Hugging Face {@code model_type} ({@code llama}, {@code qwen2}, {@code gemma}, {@code gemma2}).
 */
public interface BackboneFactory {
  /**
   * The backbone for {@code config}.
   *
   * @throws io.liquidj.framework.UserError if the config asks for something this family does not
   *     support (the message lists what is supported)
   */
  Backbone create(ModelConfig config, Precision precision);
}
