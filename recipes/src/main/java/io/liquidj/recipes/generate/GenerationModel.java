package io.liquidj.recipes.generate;

import com.typesafe.config.Config;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.framework.export.ResourceSaver;
import io.liquidj.framework.generate.GenerateSettings;
import io.liquidj.framework.generate.GenerationClient;
import io.liquidj.framework.generate.GenerationGraph;
import io.liquidj.framework.generate.PromptTemplates;
import io.liquidj.framework.generate.TemplateTokens;
import io.liquidj.framework.generate.UserTurn;
import io.liquidj.framework.safetensors.Checkpoint;
import io.liquidj.framework.safetensors.TensorReader;
import io.liquidj.framework.tf.VariableStore;
import io.liquidj.framework.tokenizer.CodesToPixels;
import io.liquidj.framework.tokenizer.ImageTokenizerFactory;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.recipes.model.LiquidModel;
import io.liquidj.recipes.model.LiquidModels;
import io.liquidj.tokenizers.text.ChatFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/**
 * A trained model ready to generate: the checkpoint's backbone and weights, its tokenizer (with the
 * Liquid specials at the model's ids) and chat format, and the {@link GenerationGraph} in one graph
 * and session (shared by the generate and export recipes).
 */
public final class GenerationModel implements AutoCloseable {
  final LiquidModel liquid;
  final ModelConfig config;
  final MultimodalVocabulary vocabulary;
  final TextTokenizer tokenizer;
  final ChatFormat chat;
  final Graph graph;
  final Session session;
  final GenerationGraph generation;
  private final PromptTemplates templates;
  private final GenerationGraph.Shapes shapes;

  private GenerationModel(LiquidModel liquid, ModelConfig config, MultimodalVocabulary vocabulary, TextTokenizer tokenizer, ChatFormat chat,
      Graph graph, Session session, GenerationGraph generation, PromptTemplates templates,
      GenerationGraph.Shapes shapes) {
    this.liquid = liquid;
    this.config = config;
    this.vocabulary = vocabulary;
    this.tokenizer = tokenizer;
    this.chat = chat;
    this.graph = graph;
    this.session = session;
    this.generation = generation;
    this.templates = templates;
    this.shapes = shapes;
  }

  /**
   * Loads {@code checkpoint} (required) with its tokenizer ({@code generate.tokenizer}, else the
   * checkpoint folder's); the vocabulary may lack image codes (text only). With {@code withPng} and
   * {@code generate.image-tokenizer} set, the image tokenizer's decoder joins the graph and its variables, and {@code
   * generate_image} also returns PNG bytes.
   */
  public static GenerationModel open(
      BackboneSettings backbone, LiquidModels models, GenerateSettings settings, boolean withPng) {
    Path dir = backbone.checkpoint().orElseThrow(() -> new UserError(
        "checkpoint is empty: generation needs a trained model folder (config.json, safetensors, tokenizer.json)"));
    Path tokenizerDir = settings.tokenizer().orElse(dir);
    if (Files.isDirectory(tokenizerDir) && !Files.isRegularFile(tokenizerDir.resolve("tokenizer.json"))) {
      throw new UserError("no tokenizer.json in " + tokenizerDir + ": set generate.tokenizer to the model's tokenizer "
          + "folder (a trainer's export holds only config.json and the weights)");
    }
    LiquidModel liquid = models.resolve(backbone, "generate.tokenizer",
        settings.tokenizer(), 0, VocabularyExtension.SpecialSlots.AUTO);
    ModelConfig config = liquid.config();
    MultimodalVocabulary vocabulary = liquid.vocabulary();
    TextTokenizer tokenizer = liquid.tokenizer();
    ChatFormat chat = models.chatFormat(liquid.tokenizerDir());
    Path imageTokenizerDir = withPng && vocabulary != null ? settings.imageTokenizer().orElse(null) : null;
    ImageTokenizerFactory imageKind = imageTokenizerDir == null ? null
        : models.imageTokenizers().factory(imageTokenizerDir, LiquidModels.GENERATE_IMAGE_TOKENIZER);
    CodesToPixels decoder = imageKind == null ? null : decoder(imageKind, imageTokenizerDir, vocabulary);
    Backbone model = models.backbone(config, settings.precision());
    Graph graph = new Graph();
    Session session = null;
    try {
      Ops tf = Ops.create(graph);
      // Under bf16 the weights are held in bf16 (half the memory, and half the bytes in an export's variables/).
      VariableStore store = BackboneVariables.create(tf, model, 0, settings.precision());
      if (decoder != null) {
        store.createAll(decoder.parameters(), VariableStore.ZEROS);
      }
      PromptTemplates templates = TemplateTokens.of(tokenizer, vocabulary, settings,
          new UserTurn(chat.before(), chat.after()));
      GenerationGraph generation = new GenerationGraph(tf, model, store, settings.precision(), vocabulary, templates,
          settings.shapes(), settings.sampling(), decoder);
      ResourceSaver.build(tf, store);
      session = new Session(graph);
      try (Checkpoint weights = Checkpoint.open(dir)) {
        weights.requireAllUsed(store.load(session, weights,
            name -> decoder == null || decoder.weightName(name) == null ? name : null), System.err);
      }
      if (decoder != null) {
        try (TensorReader weights = imageKind.openWeights(imageTokenizerDir)) {
          store.load(session, weights, decoder::weightName);
        }
      }
      return new GenerationModel(liquid, config, vocabulary, tokenizer, chat, graph, session, generation, templates,
          settings.shapes());
    } catch (RuntimeException e) {
      if (session != null) {
        session.close();
      }
      graph.close();
      throw e;
    }
  }

  /**
   * The run's generate settings, the code grid following {@code width}/{@code height} when given (the image
   * tokenizer folder's config.json says how many pixels a code covers).
   */
  public static GenerateSettings settings(Config root, LiquidModels models) {
    GenerateSettings s = GenerateSettings.from(root);
    if (!s.hasImageSize()) {
      return s;
    }
    Path dir = s.imageTokenizer().orElseThrow(() -> new UserError("width=" + s.width() + " height=" + s.height()
        + " needs " + LiquidModels.GENERATE_IMAGE_TOKENIZER + ": its downsample factor turns pixels into image codes"));
    return s.withDownsampleFactor(models.imageTokenizers().decoder(dir, LiquidModels.GENERATE_IMAGE_TOKENIZER)
        .downsampleFactor());
  }

  private static CodesToPixels decoder(ImageTokenizerFactory kind, Path dir, MultimodalVocabulary vocabulary) {
    CodesToPixels decoder = kind.decoder(dir);
    if (decoder.codebookSize() != vocabulary.numImageCodes()) {
      throw new UserError(LiquidModels.GENERATE_IMAGE_TOKENIZER + " " + dir + " has " + decoder.codebookSize()
          + " codes, the model " + vocabulary.numImageCodes()
          + " (num_image_codes): use the image tokenizer the model was trained with");
    }
    return decoder;
  }

  /** The tokenizer, with the Liquid specials at the model's ids. */
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  public GenerationClient client() {
    return GenerationClient.of(session, generation);
  }

  /** The user's text as the chat template sees it (stripped where the template trims the message). */
  public String message(String text) {
    return chat.trimsMessage() ? text.strip() : text;
  }

  /** Refuses, before anything runs, a text → image prompt that with its template and the codes overflows the context. */
  void requireImagePromptFits(int[] prompt) {
    requireFits("prompt", prompt.length, templates.imagePrefix().length + templates.imageSuffix().length,
        shapes.gridHeight() * shapes.gridWidth(), "image codes (generate.grid-height × grid-width)");
  }

  /** Refuses a caption question that, with the template, the image's codes and the answer, overflows the context. */
  void requireCaptionFits(int[] question) {
    int template = templates.captionPrefix().length + 2 + shapes.gridHeight() * shapes.gridWidth()
        + templates.captionAfterImage().length + templates.captionSuffix().length; // 2: <boi>, <eoi>
    requireFits("question", question.length, template, shapes.maxNewTokens(), "answer tokens (generate.max-new-tokens)");
  }

  /** Refuses a text prompt that, with its template and the answer, overflows the context. */
  void requireTextPromptFits(int[] prompt) {
    requireFits("prompt", prompt.length, templates.textPrefix().length + templates.textSuffix().length,
        shapes.maxNewTokens(), "answer tokens (generate.max-new-tokens)");
  }

  private void requireFits(String what, int tokens, int templateTokens, int newTokens, String newWhat) {
    long positions = (long) tokens + templateTokens + newTokens;
    if (positions > config.maxPositionEmbeddings()) {
      throw new UserError("the " + what + " is " + tokens + " tokens; with " + templateTokens + " template tokens and "
          + newTokens + " " + newWhat + " that is " + positions + " positions, more than the model's context of "
          + config.maxPositionEmbeddings() + " (max_position_embeddings in " + config.source() + "): shorten the "
          + what + " or generate fewer tokens");
    }
  }

  /** The vocabulary, or a user error for a model without image codes. */
  MultimodalVocabulary requireImages() {
    if (vocabulary == null) {
      throw new UserError(config.source() + " has no image codes (no image_code_offset): only mode=text works");
    }
    return vocabulary;
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
