package io.liquidj.recipes.generate;

import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.generate.GenerateSettings;
import io.liquidj.framework.generate.GenerationClient;
import io.liquidj.framework.generate.GenerationGraph;
import io.liquidj.framework.generate.PromptTemplates;
import io.liquidj.framework.generate.SamplingInputs;
import io.liquidj.framework.generate.SamplingLoop;
import io.liquidj.framework.tf.VariableStore;
import jakarta.inject.Inject;
import java.util.stream.IntStream;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt32;

/**
 * {@code ./liquid bench-generate [generate.bench-backbone=llama3.2-1b] [generate.grid-height=32]}:
 * seconds to generate one image (h·w codes, classifier-free guidance: a batch of 2 streams) with
 * random weights and the vocabulary extended by 8192 codes + 3 specials, and decode tokens/s. The
 * whole loop is one Session.run. The prefill is timed on its own (the same guided batch, one new
 * token), so per-step decode time is (image − prefill) / (h·w − 1). Prints numbers, asserts nothing.
 */
@CommandHelp(
    summary = "Benchmark text-to-image decoding: seconds per image with guidance and tokens/s (random weights)",
    examples = {"./liquid bench-generate generate.bench-backbone=llama3.2-1b generate.grid-height=32"},
    configSections = {"generate"})
public final class BenchGenerateCommand implements LiquidCommand {
  private static final int CODES = 8192;
  private final Backbones backbones;

  @Inject
  BenchGenerateCommand(Backbones backbones) {
    this.backbones = backbones;
  }

  @Override
  public int run(Invocation invocation) {
    GenerateSettings s = GenerateSettings.from(invocation.config());
    String shape = invocation.config().getString("generate.bench-backbone");
    ModelConfig base = Backbones.shape(shape);
    int text = base.vocabSize();
    ModelConfig config = base.withLiquidExtension(text + CODES + 3,
        new ModelConfig.LiquidExtension(text, CODES, text + CODES, text + CODES + 1, text + CODES + 2));
    MultimodalVocabulary vocabulary = MultimodalVocabulary.of(config);
    Precision precision = s.precision();
    Backbone backbone = backbones.create(config, precision);
    int bos = Math.max(config.bosTokenId(), 0);
    PromptTemplates templates = new PromptTemplates(
        new int[] {bos}, new int[] {11, 12, 13, 14, 15, 16, 17, 18, vocabulary.boiTokenId()},
        new int[] {bos, vocabulary.unconditionalTokenId(), vocabulary.boiTokenId()},
        new int[] {bos}, new int[0], new int[0], new int[] {bos}, new int[0], new int[0]);
    int[][] prompt = {{21, 22, 23, 24, 25, 26, 27, 28}};
    int tokens = s.shapes().gridHeight() * s.shapes().gridWidth();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      VariableStore store = BackboneVariables.create(tf, backbone, 0, precision);
      GenerationGraph generation = new GenerationGraph(tf, backbone, store, precision, vocabulary, templates,
          s.shapes(), s.sampling(), /* codesToPixels= */ null);
      Operand<TInt32> prefill = prefillOnly(tf, backbone, store, precision, vocabulary, templates, prompt[0], s);
      try (Session session = new Session(graph)) {
        long t0 = System.nanoTime();
        store.initializeAll(session);
        GenerationClient client = GenerationClient.of(session, generation);
        invocation.out().printf("%s: %,d parameters, vocabulary %,d, %d×%d codes, guidance (batch 2), %s%n",
            shape, store.specs().stream().mapToLong(p -> p.size()).sum(), config.vocabSize(),
            s.shapes().gridHeight(), s.shapes().gridWidth(), precision);
        invocation.out().printf("init: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        long w0 = System.nanoTime();
        client.generateImage(prompt, s.sampling());
        invocation.out().printf("warm-up image: %.2f s%n", (System.nanoTime() - w0) / 1e9);
        session.runner().fetch(prefill).run().close();
        double prefillBest = Double.MAX_VALUE;
        for (int i = 0; i < s.benchRuns(); i++) {
          long p0 = System.nanoTime();
          session.runner().fetch(prefill).run().close();
          prefillBest = Math.min(prefillBest, (System.nanoTime() - p0) / 1e9);
        }
        invocation.out().printf("prefill (%d + %d prompt tokens, guided batch 2): %.1f ms%n",
            templates.imagePrefix().length + prompt[0].length + templates.imageSuffix().length,
            templates.unconditional().length, 1000 * prefillBest);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < s.benchRuns(); i++) {
          long r0 = System.nanoTime();
          client.generateImage(prompt, s.sampling().withSeed(i + 1));
          double seconds = (System.nanoTime() - r0) / 1e9;
          best = Math.min(best, seconds);
          double step = (seconds - prefillBest) / (tokens - 1);
          invocation.out().printf("image %d: %.2f s = prefill + %d steps × %.2f ms (decode %.1f tokens/s per stream)%n",
              i + 1, seconds, tokens - 1, 1000 * step, 1 / step);
        }
        double step = (best - prefillBest) / (tokens - 1);
        invocation.out().printf("best: %.2f s per %d-code image (%.1f image tokens/s overall); prefill %.1f ms, "
            + "decode %.2f ms/step = %.1f tokens/s%n", best, tokens, tokens / best, 1000 * prefillBest, 1000 * step, 1 / step);
      }
    }
    return 0;
  }

  /**
   * The image graph's prefill alone: the same guided batch (prompt and {@code <unconditional>} rows,
   * left-padded) decoding one token, i.e. the prompt forward pass and the first draw.
   */
  private static Operand<TInt32> prefillOnly(Ops tf, Backbone backbone, VariableStore store, Precision precision,
      MultimodalVocabulary vocabulary, PromptTemplates t, int[] prompt, GenerateSettings s) {
    int[] cond = IntStream.concat(IntStream.concat(IntStream.of(t.imagePrefix()), IntStream.of(prompt)),
        IntStream.of(t.imageSuffix())).toArray();
    int[] uncond = t.unconditional();
    int width = Math.max(cond.length, uncond.length);
    int[][] ids = new int[2][width];
    int[][] mask = new int[2][width];
    int[][] rows = {cond, uncond};
    for (int r = 0; r < 2; r++) {
      int pad = width - rows[r].length;
      for (int j = pad; j < width; j++) {
        ids[r][j] = rows[r][j - pad];
        mask[r][j] = 1;
      }
    }
    Ops g = tf.withSubScope("bench_prefill");
    return new SamplingLoop(backbone, store, precision).decode(g, g.constant(ids), g.constant(mask),
        SamplingInputs.constants(g, s.sampling(), 0), new SamplingLoop.Spec("bench_prefill", 1, true,
            vocabulary.imageCodeOffset(), vocabulary.imageCodeOffset() + vocabulary.numImageCodes(), new int[0]))
        .tokens();
  }
}
