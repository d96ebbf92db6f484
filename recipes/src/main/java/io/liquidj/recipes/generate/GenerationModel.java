package io.liquidj.recipes.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.export.ResourceSaver;
import io.liquidj.framework.generate.GenerateSettings;
import io.liquidj.framework.generate.GenerationClient;
import io.liquidj.framework.generate.GenerationGraph;
import io.liquidj.framework.generate.PromptTemplates;
import io.liquidj.framework.generate.TemplateTokens;
import io.liquidj.framework.tf.VariableStore;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.framework.tokenizer.TextTokenizerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/**
 * A trained model ready to generate: the checkpoint's backbone and weights, its tokenizer, and the
 * {@link GenerationGraph} in one graph and session (shared by the generate and export recipes).
 */
final class GenerationModel implements AutoCloseable {
  final ModelConfig config;
  final MultimodalVocabulary vocabulary;
  final TextTokenizer tokenizer;
  final Graph graph;
  final Session session;
  final GenerationGraph generation;

  private GenerationModel(ModelConfig config, MultimodalVocabulary vocabulary, TextTokenizer tokenizer, Graph graph,
      Session session, GenerationGraph generation) {
    this.config = config;
    this.vocabulary = vocabulary;
    this.tokenizer = tokenizer;
    this.graph = graph;
    this.session = session;
    this.generation = generation;
  }

  /** Loads {@code checkpoint} (required) with its tokenizer; the vocabulary may lack image codes (text only). */
  static GenerationModel open(BackboneSettings backbone, Backbones backbones,
      Map<String, TextTokenizerFactory> tokenizers, GenerateSettings settings) {
    Path dir = backbone.checkpoint().orElseThrow(() -> new UserError(
        "checkpoint is empty: generation needs a trained model folder (config.json, safetensors, tokenizer.json)"));
    ModelConfig config = ModelConfig.read(dir);
    MultimodalVocabulary vocabulary = config.liquid() == null ? null : MultimodalVocabulary.of(config);
    TextTokenizer tokenizer = tokenizer(dir, tokenizers);
    Backbone model = backbones.create(config, Precision.F32);
    Graph graph = new Graph();
    try {
      Ops tf = Ops.create(graph);
      VariableStore store = BackboneVariables.create(tf, model, 0);
      PromptTemplates templates = TemplateTokens.of(tokenizer, vocabulary, settings);
      GenerationGraph generation = new GenerationGraph(tf, model, store, Precision.F32, vocabulary, templates,
          settings.shapes(), settings.sampling());
      ResourceSaver.build(tf, store);
      Session session = new Session(graph);
      BackboneVariables.load(session, store, dir);
      return new GenerationModel(config, vocabulary, tokenizer, graph, session, generation);
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  GenerationClient client() {
    return GenerationClient.of(session, generation);
  }

  /** The vocabulary, or a user error for a model without image codes. */
  MultimodalVocabulary requireImages() {
    if (vocabulary == null) {
      throw new UserError(config.source() + " has no image codes (no image_code_offset): only mode=text works");
    }
    return vocabulary;
  }

  static TextTokenizer tokenizer(Path dir, Map<String, TextTokenizerFactory> factories) {
    Path file = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(file)) {
      throw new UserError("no tokenizer.json in " + dir + " (generation needs the model's own tokenizer)");
    }
    JsonNode json;
    try {
      json = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UserError("cannot parse " + file + ": " + e.getMessage(), e);
    }
    for (TextTokenizerFactory f : factories.values()) {
      if (f.accepts(json)) {
        return f.load(dir, json);
      }
    }
    throw new UserError(file + ": no registered tokenizer kind reads it (registered: " + factories.keySet() + ")");
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
