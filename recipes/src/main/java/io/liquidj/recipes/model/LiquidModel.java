package io.liquidj.recipes.model;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.framework.generate.GenerationConfigJson;
import io.liquidj.framework.generate.SamplingSettings;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.tokenizers.text.HfTokenizer;
import io.liquidj.tokenizers.text.TextTokenizers;
import io.liquidj.tokenizers.text.TokenizerFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The model a training, evaluation or generation run works on, as all build it: the architecture
 * (checkpoint or named shape), extended by {@code imageCodes} Liquid image codes when it is text-only,
 * and its text tokenizer with {@code <boi>}, {@code <eoi>}, {@code <unconditional>} registered at the
 * model's ids.
 *
 * <p>Without a checkpoint (from scratch) the text vocabulary is the tokenizer's: {@code vocab_size}
 * becomes {@code tokenizer.size()} (and BOS/EOS the tokenizer's) before the extension. When the
 * tokenizer already defines the three specials inside its vocabulary (e.g. a {@code BpeTrainer}
 * tokenizer), or has reserved slots for them (Gemma's {@code <unused0..2>} as the Liquid release,
 * Llama-3's reserved specials, Qwen2.5's spare rows), the extension reuses those ids; otherwise three
 * new rows follow the codes ({@link VocabularyExtension#plan}, {@code trainer.special-tokens}).
 *
 * @param config the (extended) architecture
 * @param vocabulary the image-code and special ids, or null for a text-only run
 * @param tokenizer the text tokenizer with the specials registered
 * @param tokenizerDir the folder it was loaded from
 */
public record LiquidModel(ModelConfig config, MultimodalVocabulary vocabulary, TextTokenizer tokenizer, Path tokenizerDir) {
  private static final List<String> SPECIALS = VocabularyExtension.SPECIAL_NAMES;
  /** The sampling defaults file {@link #writeModelFiles} writes beside the tokenizer files. */
  public static final String GENERATION_CONFIG = "generation_config.json";

  /**
   * Resolves the model of a run.
   *
   * @param tokenizerKey the key naming the tokenizer folder, for messages
   * @param tokenizerDir the tokenizer folder when set; else the checkpoint folder
   */
  static LiquidModel resolve(Backbones backbones, TextTokenizers tokenizers, BackboneSettings backbone,
      String tokenizerKey, Optional<Path> tokenizerDir, int imageCodes, VocabularyExtension.SpecialSlots slots) {
    Path dir = tokenizerDir.or(backbone::checkpoint).orElseThrow(() -> new UserError(
        tokenizerKey + " and checkpoint are both empty: name the folder holding the tokenizer.json of the data"));
    TextTokenizer tokenizer = tokenizers.load(dir);
    dir = Files.isRegularFile(dir) ? dir.toAbsolutePath().getParent() : dir;
    ModelConfig config = backbones.config(backbone);
    if (backbone.checkpoint().isEmpty() && config.liquid() == null) {
      config = config.withTextVocabulary(tokenizer.size(), tokenizer.bosId(), tokenizer.eosId());
    }
    if (imageCodes > 0 && config.liquid() == null) {
      config = VocabularyExtension.extendedConfig(config,
          VocabularyExtension.plan(tokenizer, imageCodes, config.vocabSize(), slots));
    }
    if (config.liquid() == null) {
      return new LiquidModel(config, null, tokenizer, dir);
    }
    MultimodalVocabulary vocabulary = MultimodalVocabulary.of(config);
    return new LiquidModel(config, vocabulary, withSpecials(tokenizer, vocabulary), dir);
  }

  /** {@code tokenizer} with the specials at the vocabulary's ids (tokenizers not read from tokenizer.json, as in tests, as given). */
  private static TextTokenizer withSpecials(TextTokenizer tokenizer, MultimodalVocabulary vocabulary) {
    Map<String, Integer> ids = Map.of(SPECIALS.get(0), vocabulary.boiTokenId(), SPECIALS.get(1),
        vocabulary.eoiTokenId(), SPECIALS.get(2), vocabulary.unconditionalTokenId());
    boolean present = ids.entrySet().stream()
        .allMatch(e -> tokenizer.tokenId(e.getKey()).equals(OptionalInt.of(e.getValue())));
    return present || !(tokenizer instanceof HfTokenizer) ? tokenizer : TextTokenizers.withSpecialTokens(tokenizer, ids);
  }

  /**
   * Completes the saved model folder {@code modelDir} ({@code BackboneCheckpoints.save}'s config.json and
   * weights) for every loader: the tokenizer files naming each of its rows ({@link TokenizerFolder}) and
   * {@code generation_config.json} with Liquid's reference sampling. Returns the names written.
   */
  public List<String> writeModelFiles(Path modelDir) throws IOException {
    List<String> written = new java.util.ArrayList<>(TokenizerFolder.write(tokenizerDir, modelDir, config));
    Files.writeString(modelDir.resolve(GENERATION_CONFIG),
        GenerationConfigJson.of(config, SamplingSettings.liquidDefaults()));
    written.add(GENERATION_CONFIG);
    return written;
  }

}
