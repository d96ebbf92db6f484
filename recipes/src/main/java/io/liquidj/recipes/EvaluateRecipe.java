package io.liquidj.recipes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.cli.Command;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.config.Settings;
import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.DataSettings;
import io.liquidj.framework.data.PackedBatchSource;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.loss.LossParts;
import io.liquidj.framework.nn.AttentionMasks;
import io.liquidj.framework.loss.Losses;
import io.liquidj.framework.loss.ZLoss;
import io.liquidj.framework.tf.VariableStore;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.framework.train.TrainerSettings;
import io.liquidj.framework.train.TrainingRun;
import io.liquidj.tokenizers.text.TextTokenizers;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@code ./liquid evaluate conf/recipes/evaluate.conf checkpoint=runs/train/model}: the mean
 * next-token cross-entropy and perplexity of a model on prepared data, and the cross-entropy of
 * text and of image-code targets separately.
 *
 * <p>Setup (the model as training builds it, its tokenizer, the packed data) → the training graph's
 * forward pass and loss without gradients → {@code evaluate.batches} batches from the start of the
 * data stream → print and write {@code evaluation.json}. Means are over trained targets (the data's
 * loss mask), pooled over all batches.
 */
final class EvaluateRecipe implements Command {
  /** Where the results go inside {@code evaluate.output-dir}. */
  static final String RESULT_FILE = "evaluation.json";

  private final Backbones backbones;
  private final TextTokenizers textTokenizers;

  /**
   * The {@code evaluate} section.
   *
   * @param batches batches scored
   * @param batchSize rows per batch
   * @param precision matmul precision
   * @param tokenizer folder of tokenizer.json, if not the checkpoint's
   * @param outputDir where evaluation.json goes
   */
  record EvaluateSettings(int batches, int batchSize, Precision precision, Optional<Path> tokenizer, Path outputDir) {
    static EvaluateSettings from(Config c) {
      return new EvaluateSettings(Settings.positiveInt(c, "batches"), Settings.positiveInt(c, "batch-size"),
          Precision.parse("evaluate.precision", c.getString("precision")), Settings.optionalPath(c, "tokenizer"),
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
  EvaluateRecipe(Backbones backbones, TextTokenizers textTokenizers) {
    this.backbones = backbones;
    this.textTokenizers = textTokenizers;
  }

  @Override
  public String summary() {
    return "Score a model on prepared data: cross-entropy and perplexity, text and image targets apart";
  }

  @Override
  public List<String> configSections() {
    return List.of("backbone", "checkpoint", "evaluate", "data", "trainer");
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    // 1. Setup: the model exactly as a training run starts from it (trainer.image-codes extends a text
    //    backbone; trainer.seed draws from-scratch weights), its tokenizer, the packed data.
    Config config = invocation.config();
    EvaluateSettings settings = EvaluateSettings.from(config.getConfig("evaluate"));
    TrainerSettings trainer = TrainerSettings.from(config.getConfig("trainer"));
    BackboneSettings backboneSettings = BackboneSettings.from(config);
    LiquidModel liquid = LiquidModel.resolve(backbones, textTokenizers, backboneSettings, "evaluate.tokenizer",
        settings.tokenizer(), trainer.imageCodes());
    ModelConfig model = liquid.config();
    if (liquid.vocabulary() == null) {
      throw new UserError(model.source() + " has no image codes (no image_code_offset): evaluate a Liquid model, "
          + "or set trainer.image-codes to extend it as training does");
    }
    MultimodalVocabulary vocabulary = liquid.vocabulary();
    Backbone backbone = backbones.create(model, settings.precision());
    DataSettings data = DataSettings.from(config.getConfig("data"));
    TextTokenizer tokenizer = liquid.tokenizer();
    Totals totals = new Totals();
    int length = data.maxLength();

    // 2. The graph: TrainGraph's forward pass (packed causal mask from segment ids) and loss, no gradients.
    try (Graph graph = new Graph();
        PackedBatchSource source = PackedBatchSource.open(data, vocabulary, tokenizer, settings.batchSize())) {
      Ops tf = Ops.create(graph);
      Ops in = tf.withSubScope("inputs");
      Shape shape = Shape.of(settings.batchSize(), length);
      Placeholder<TInt32> inputIds = in.withName("input_ids").placeholder(TInt32.class, Placeholder.shape(shape));
      Placeholder<TInt32> targetIds = in.withName("target_ids").placeholder(TInt32.class, Placeholder.shape(shape));
      Placeholder<TInt32> positions = in.withName("positions").placeholder(TInt32.class, Placeholder.shape(shape));
      Placeholder<TInt32> segmentIds = in.withName("segment_ids").placeholder(TInt32.class, Placeholder.shape(shape));
      Placeholder<TFloat32> lossWeights =
          in.withName("loss_weights").placeholder(TFloat32.class, Placeholder.shape(shape));
      VariableStore parameters = BackboneVariables.create(tf, backbone, trainer.seed());
      var logits = backbone.forward(tf.withSubScope("model"), parameters.weights(),
          ForwardInputs.full(inputIds, positions, AttentionMasks.causalWithinSegments(tf, segmentIds))).logits();
      LossParts loss = Losses.crossEntropyWithZLoss(tf, logits, targetIds, lossWeights, ZLoss.MAX_LOGIT, 0, vocabulary);

      try (Session session = new Session(graph, TrainingRun.sessionConfig(false));
          TInt32 ids = TInt32.tensorOf(shape);
          TInt32 targets = TInt32.tensorOf(shape);
          TInt32 pos = TInt32.tensorOf(shape);
          TInt32 segments = TInt32.tensorOf(shape);
          TFloat32 weights = TFloat32.tensorOf(shape)) {
        BackboneVariables.fill(session, parameters, model, backboneSettings.checkpoint(), trainer.seed());

        // 3. Score the batches.
        for (int i = 0; i < settings.batches(); i++) {
          Batch b = source.next();
          ids.asRawTensor().data().asInts().write(b.inputIds());
          targets.asRawTensor().data().asInts().write(b.targetIds());
          pos.asRawTensor().data().asInts().write(b.positions());
          segments.asRawTensor().data().asInts().write(b.segmentIds());
          weights.asRawTensor().data().asFloats().write(b.lossWeights());
          try (Result r = session.runner()
              .feed(inputIds, ids).feed(targetIds, targets).feed(positions, pos).feed(segmentIds, segments)
              .feed(lossWeights, weights)
              .fetch(loss.crossEntropy()).fetch(loss.textCrossEntropy()).fetch(loss.imageCrossEntropy())
              .run()) {
            add(totals, b, vocabulary, ((TFloat32) r.get(0)).getFloat(), ((TFloat32) r.get(1)).getFloat(),
                ((TFloat32) r.get(2)).getFloat());
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
  private static void add(Totals t, Batch b, MultimodalVocabulary vocabulary, double ce, double textCe, double imageCe) {
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
    t.sum += ce * (text + image);
    t.textSum += textCe * text;
    t.imageSum += imageCe * image;
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
