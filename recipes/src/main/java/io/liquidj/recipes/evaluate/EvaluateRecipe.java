package io.liquidj.recipes.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.config.ConfigReads;
import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.DataSettings;
import io.liquidj.framework.data.PackedBatchSource;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.loss.LossParts;
import io.liquidj.framework.loss.ZLoss;
import io.liquidj.framework.tf.VariableStore;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.framework.train.BatchGraph;
import io.liquidj.framework.train.TrainerSettings;
import io.liquidj.framework.train.TrainingRun;
import io.liquidj.recipes.model.LiquidModel;
import io.liquidj.recipes.model.LiquidModels;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/**
 * {@code ./liquid evaluate conf/recipes/evaluate.conf checkpoint=runs/train/model}: the mean
 * next-token cross-entropy and perplexity of a model on prepared data, and the cross-entropy of
 * text and of image-code targets separately.
 *
 * <p>Setup (the model as training builds it, its tokenizer, the packed data) → the training batch's
 * {@link BatchGraph} (forward pass and loss) without gradients → {@code evaluate.batches} batches from the start of the
 * data stream → print and write {@code evaluation.json}. Means are over trained targets (the data's
 * loss mask), pooled over all batches.
 */
@CommandHelp(
    summary = "Score a model on prepared data: cross-entropy and perplexity, text and image targets apart",
    examples = {"./liquid evaluate conf/recipes/evaluate.conf checkpoint=runs/demo/train/model \"data.sources=[{path=runs/demo/shards}]\""},
    configSections = {"backbone", "checkpoint", "tokenizer", "evaluate", "data", "trainer"})
public final class EvaluateRecipe implements LiquidCommand {
  /** Where the results go inside {@code evaluate.output-dir}. */
  static final String RESULT_FILE = "evaluation.json";

  private final LiquidModels models;

  /**
   * The {@code evaluate} section.
   *
   * @param batches batches scored
   * @param batchSize rows per batch
   * @param precision matmul precision
   * @param tokenizer folder of tokenizer.json, if not the checkpoint's
   * @param outputDir where evaluation.json goes
   */
  public record EvaluateSettings(int batches, int batchSize, Precision precision, Optional<Path> tokenizer, Path outputDir) {
    public static EvaluateSettings from(Config c) {
      return new EvaluateSettings(ConfigReads.positiveInt(c, "batches"), ConfigReads.positiveInt(c, "batch-size"),
          Precision.parse("evaluate.precision", c.getString("precision")), ConfigReads.optionalPath(c, "tokenizer"),
          Path.of(c.getString("output-dir")));
    }
  }

  /** Sums over batches: Σ ce·w over all, text and image targets, and the target counts. */
  private static final class Totals {
    int batches;
    double sum;
    double textSum;
    double imageSum;
    long targets;
    long textTargets;
    long imageTargets;

    double mean(double s, long n) {
      return n == 0 ? 0 : s / n;
    }
  }

  @Inject
  EvaluateRecipe(LiquidModels models) {
    this.models = models;
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    // 1. Setup: the model exactly as a training run starts from it (trainer.image-codes extends a text
    //    backbone; trainer.seed draws from-scratch weights), its tokenizer, the packed data.
    Config config = invocation.config();
    EvaluateSettings settings = EvaluateSettings.from(config.getConfig("evaluate"));
    TrainerSettings trainer = TrainerSettings.from(config.getConfig("trainer"));
    BackboneSettings backboneSettings = BackboneSettings.from(config);
    LiquidModel liquid = models.resolve(backboneSettings, "evaluate.tokenizer",
        settings.tokenizer(), trainer.imageCodes(), trainer.specialTokens());
    ModelConfig model = liquid.config();
    if (liquid.vocabulary() == null) {
      throw new UserError(model.source() + " has no image codes (no image_code_offset): evaluate a Liquid model, "
          + "or set trainer.image-codes to extend it as training does");
    }
    MultimodalVocabulary vocabulary = liquid.vocabulary();
    Backbone backbone = models.backbone(model, settings.precision());
    DataSettings data = DataSettings.from(config.getConfig("data"));
    TextTokenizer tokenizer = liquid.tokenizer();
    Totals totals = new Totals();

    // 2. The graph: a training batch's forward pass (packed causal mask from segment ids) and loss, no gradients.
    try (Graph graph = new Graph();
        PackedBatchSource source = PackedBatchSource.open(data, vocabulary, tokenizer, settings.batchSize())) {
      Ops tf = Ops.create(graph);
      VariableStore parameters = BackboneVariables.create(tf, backbone, trainer.seed());
      BatchGraph batchGraph = new BatchGraph(tf, backbone, parameters.weights(), new BatchGraph.Settings(
          settings.batchSize(), data.maxLength(), BatchGraph.Masking.DOCUMENTS, ZLoss.MAX_LOGIT, 0, false, vocabulary));
      LossParts loss = batchGraph.loss();

      try (Session session = new Session(graph, TrainingRun.sessionConfig(false));
          BatchGraph.Feed feed = batchGraph.newFeed()) {
        BackboneVariables.fill(session, parameters, model, backboneSettings.checkpoint(), trainer.seed());

        // 3. Score the batches.
        for (int i = 0; i < settings.batches(); i++) {
          Batch b = source.next();
          try (Result r = loss.fetchInto(feed.feed(session.runner(), b)).run()) {
            add(totals, b, vocabulary, loss.values(r));
          }
        }
      }
    }

    // 4. Report.
    ObjectNode json = result(totals, backboneSettings, data, settings);
    Path file = settings.outputDir().resolve(RESULT_FILE);
    Files.createDirectories(settings.outputDir());
    io.liquidj.framework.config.RecipeConfig.saveResolved(config, settings.outputDir());
    AtomicFiles.writeString(file, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
    invocation.out().printf(Locale.ROOT,
        "evaluate: %d batches, %d trained targets: cross-entropy %.4f, perplexity %.2f; text %.4f (%d targets), "
            + "image %.4f (%d targets)%n",
        totals.batches, totals.targets, json.get("cross-entropy").asDouble(), json.get("perplexity").asDouble(),
        json.get("text-cross-entropy").asDouble(), totals.textTargets, json.get("image-cross-entropy").asDouble(),
        totals.imageTargets);
    invocation.out().println("results: " + file);
    return 0;
  }

  /** Adds one batch: its per-target means times its target counts (counted here from the batch). */
  private static void add(Totals t, Batch b, MultimodalVocabulary vocabulary, LossParts.Values loss) {
    long text = 0;
    long image = 0;
    for (int i = 0; i < b.lossWeights().length; i++) {
      if (b.lossWeights()[i] > 0) {
        if (vocabulary.isImageToken(b.targetIds()[i])) {
          image++;
        } else {
          text++;
        }
      }
    }
    t.batches++;
    t.sum += loss.crossEntropy() * (text + image);
    t.textSum += loss.textCrossEntropy() * text;
    t.imageSum += loss.imageCrossEntropy() * image;
    t.targets += text + image;
    t.textTargets += text;
    t.imageTargets += image;
  }

  private static ObjectNode result(Totals t, BackboneSettings model, DataSettings data, EvaluateSettings settings) {
    ObjectNode json = new ObjectMapper().createObjectNode();
    json.put("model", model.checkpoint().map(Path::toString).orElse(model.backbone()));
    json.putPOJO("sources", data.sources().stream().map(s -> s.path().toString()).toList());
    json.put("batches", t.batches);
    json.put("batch-size", settings.batchSize());
    json.put("max-length", data.maxLength());
    json.put("trained-targets", t.targets);
    json.put("text-targets", t.textTargets);
    json.put("image-targets", t.imageTargets);
    double ce = t.mean(t.sum, t.targets);
    json.put("cross-entropy", ce);
    json.put("perplexity", Math.exp(ce));
    json.put("text-cross-entropy", t.mean(t.textSum, t.textTargets));
    json.put("text-perplexity", Math.exp(t.mean(t.textSum, t.textTargets)));
    json.put("image-cross-entropy", t.mean(t.imageSum, t.imageTargets));
    json.put("image-perplexity", Math.exp(t.mean(t.imageSum, t.imageTargets)));
    return json;
  }
}
