package io.liquidj.recipes.model;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.framework.generate.GenerateSettings;
import io.liquidj.framework.tokenizer.ImageTokenizer;
import io.liquidj.framework.tokenizer.ImageTokenizers;
import io.liquidj.tokenizers.text.ChatFormat;
import io.liquidj.tokenizers.text.TextTokenizers;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the training, evaluation and generation recipes build their model from: the registered backbone
 * families, text tokenizers and image tokenizers, one injected object.
 */
public final class LiquidModels {
  /** The key naming the image tokenizer folder of generation, for messages. */
  public static final String GENERATE_IMAGE_TOKENIZER = "generate.image-tokenizer";

  private final Backbones backbones;
  private final TextTokenizers tokenizers;
  private final ImageTokenizers imageTokenizers;

  @Inject
  public LiquidModels(Backbones backbones, TextTokenizers tokenizers, ImageTokenizers imageTokenizers) {
    this.backbones = backbones;
    this.tokenizers = tokenizers;
    this.imageTokenizers = imageTokenizers;
  }

  /**
   * The model of a run ({@link LiquidModel}).
   *
   * @param tokenizerKey the key naming the tokenizer folder, for messages
   * @param tokenizerDir the tokenizer folder when set; else the checkpoint folder
   * @param imageCodes image codes to extend a text-only architecture by, 0 for none
   * @param slots where the Liquid specials go when the architecture is extended ({@code trainer.special-tokens})
   */
  public LiquidModel resolve(BackboneSettings backbone, String tokenizerKey, Optional<Path> tokenizerDir,
      int imageCodes, VocabularyExtension.SpecialSlots slots) {
    return LiquidModel.resolve(backbones, tokenizers, backbone, tokenizerKey, tokenizerDir, imageCodes, slots);
  }

  /** The backbone of a resolved architecture. */
  public Backbone backbone(ModelConfig config, Precision precision) {
    return backbones.create(config, precision);
  }

  /** The chat template of the tokenizer in {@code tokenizerDir}. */
  public ChatFormat chatFormat(Path tokenizerDir) {
    return tokenizers.chatFormat(tokenizerDir);
  }

  /**
   * The image tokenizer in {@code generate.image-tokenizer} (a VQGAN, or the kind its config.json names), which
   * turns generated codes into images and images into codes.
   */
  public ImageTokenizer imageTokenizer(GenerateSettings settings) {
    return imageTokenizers.load(imageTokenizerDir(settings), GENERATE_IMAGE_TOKENIZER);
  }

  /** The registered image tokenizer kinds. */
  public ImageTokenizers imageTokenizers() {
    return imageTokenizers;
  }

  private static Path imageTokenizerDir(GenerateSettings settings) {
    return settings.imageTokenizer().orElseThrow(() -> new UserError(GENERATE_IMAGE_TOKENIZER
        + " is empty: set it to the image tokenizer folder (config.json + weights) the model was trained with"));
  }
}
