package io.liquidj.recipes.train;

import com.typesafe.config.Config;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.config.ConfigReads;
import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.metrics.HostMemory;
import io.liquidj.framework.metrics.Throughput;
import io.liquidj.framework.train.MemoryEstimate;
import io.liquidj.framework.train.StepResult;
import io.liquidj.framework.train.TrainerSettings;
import io.liquidj.framework.train.TrainingRun;
import io.liquidj.framework.train.RunSettings;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./liquid bench-train backbone=llama3.2-1b trainer.image-codes=8192 trainer.batch-size=4
 * trainer.seq-len=2048 trainer.precision=bf16}: the training step's speed on synthetic batches, from
 * random weights: tokens/s, MFU, step time and peak memory. Prints numbers, asserts nothing.
 */
@CommandHelp(
    summary = "Benchmark the training step on synthetic batches (tokens/s, MFU, step time, peak memory)",
    examples = {"./liquid bench-train backbone=llama3.2-1b trainer.image-codes=8192 trainer.batch-size=4 trainer.seq-len=2048"},
    configSections = {"bench-train", "trainer", "optimizer", "lora", "freeze", "distributed"})
public final class BenchTrainCommand implements LiquidCommand {
  private final Backbones backbones;

  @Inject
  BenchTrainCommand(Backbones backbones) {
    this.backbones = backbones;
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    Config config = invocation.config();
    int warmup = ConfigReads.nonNegativeInt(config.getConfig("bench-train"), "warmup-steps");
    int timed = ConfigReads.positiveInt(config.getConfig("bench-train"), "steps");
    Path scratch = Files.createTempDirectory("liquidj-bench-train");
    Config run = config
        .withValue("trainer.steps", com.typesafe.config.ConfigValueFactory.fromAnyRef(warmup + timed))
        .withValue("trainer.checkpoint-every", com.typesafe.config.ConfigValueFactory.fromAnyRef(0))
        .withValue("trainer.log-every", com.typesafe.config.ConfigValueFactory.fromAnyRef(1_000_000))
        .withValue("trainer.progress-bar", com.typesafe.config.ConfigValueFactory.fromAnyRef(false))
        .withValue("trainer.output-dir", com.typesafe.config.ConfigValueFactory.fromAnyRef(scratch.toString()))
        .withValue("schedule.warmup-steps", com.typesafe.config.ConfigValueFactory.fromAnyRef(0))
        .withValue("schedule.warmup-ratio", com.typesafe.config.ConfigValueFactory.fromAnyRef(0.0));
    RunSettings settings = RunSettings.from(run);
    TrainerSettings trainer = settings.trainer();
    ModelConfig model = backbones.config(BackboneSettings.from(config));
    if (trainer.imageCodes() > 0 && model.liquid() == null) {
      model = VocabularyExtension.extendedConfig(model, VocabularyExtension.Plan.appended(trainer.imageCodes()));
    }
    Backbone backbone = backbones.create(model, trainer.precision());
    var out = invocation.out();
    out.printf(Locale.ROOT, "bench-train: %s, vocab %d, batch %d x %d, %s, xla %s, %d warmup + %d timed steps%n",
        model.source(), model.vocabSize(), trainer.batchSize(), trainer.seqLen(), trainer.precision(), trainer.xla(),
        warmup, timed);
    out.println("memory estimate (" + settings.distributed().devices() + " device(s), per device):");
    out.println(MemoryEstimate.of(model, backbone.parameters(), settings).describe());
    long start = System.nanoTime();
    List<Double> seconds = new ArrayList<>();
    long params;
    boolean resetPeak = false;
    long wholeRunPeak;
    try (TrainingRun training = new TrainingRun(backbone, null, settings, (s, p) -> p.initializeAll(s), "",
            new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        BatchSource synthetic = new SyntheticBatches(trainer.batchSize(), trainer.seqLen(), model.vocabSize())) {
      params = training.parameterCount();
      wholeRunPeak = HostMemory.status("VmHWM");
      out.printf(Locale.ROOT, "graph built and variables initialised in %.1f s; %,d parameters%n",
          (System.nanoTime() - start) / 1e9, params);
      for (int i = 0; i < warmup + timed; i++) {
        if (i == warmup) {
          // The timed steps' own peak: loading and the replicas' first sync allocate more, once.
          resetPeak = HostMemory.resetPeak();
        }
        StepResult r = training.step(synthetic);
        if (i >= warmup) {
          seconds.add(r.seconds());
        }
        out.printf(Locale.ROOT, "step %d%s: %.1f ms, loss %.4f%n", i + 1, i < warmup ? " (warmup)" : "",
            r.seconds() * 1e3, r.loss());
      }
    } finally {
      AtomicFiles.deleteTree(scratch);
    }
    double mean = seconds.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    double median = seconds.stream().sorted().toList().get(seconds.size() / 2);
    long tokens = (long) trainer.batchSize() * trainer.seqLen() * trainer.gradAccum();
    out.printf(Locale.ROOT, "step time: mean %.1f ms, median %.1f ms%n", mean * 1e3, median * 1e3);
    out.printf(Locale.ROOT, "tokens/s: %.0f (median step)%n", tokens / median);
    if (trainer.peakFlops() > 0) {
      out.printf(Locale.ROOT, "MFU: %.1f%% of trainer.peak-flops = %.3g FLOP/s (6 * %,d params * tokens/s)%n",
          100 * Throughput.mfu(params, tokens / median, trainer.peakFlops()), trainer.peakFlops(), params);
    } else {
      out.println("MFU: not reported (set trainer.peak-flops to the device's peak FLOP/s)");
    }
    out.printf(Locale.ROOT, "peak host memory (VmHWM): %s%n", resetPeak
        ? String.format(Locale.ROOT, "%.3f GiB in the timed steps (%.3f GiB while building and loading)",
            HostMemory.status("VmHWM") / (double) (1L << 30), wholeRunPeak / (double) (1L << 30))
        : String.format(Locale.ROOT, "%.3f GiB (whole process)", HostMemory.status("VmHWM") / (double) (1L << 30)));
    out.println("GPU memory used (nvidia-smi): " + gpuMemory());
    return 0;
  }

  /** With allow_growth, the memory TensorFlow's allocator has claimed is its peak pool size. */
  private static String gpuMemory() {
    try {
      Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=memory.used,memory.total", "--format=csv,noheader")
          .redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? text : "n/a";
    } catch (IOException | InterruptedException e) {
      return "n/a (no nvidia-smi)";
    }
  }

  /** Random tokens, one document per row, every target trained. */
  private static final class SyntheticBatches implements BatchSource {
    private final int batch;
    private final int length;
    private final int vocab;
    private final SplittableRandom random = new SplittableRandom(0);

    SyntheticBatches(int batch, int length, int vocab) {
      this.batch = batch;
      this.length = length;
      this.vocab = vocab;
    }

    @Override
    public Batch next() {
      int n = batch * length;
      int[] ids = random.ints(n, 0, vocab).toArray();
      int[] targets = new int[n];
      int[] positions = new int[n];
      int[] segments = new int[n];
      float[] weights = new float[n];
      for (int i = 0; i < n; i++) {
        targets[i] = i % length == length - 1 ? 0 : ids[i + 1];
        positions[i] = i % length;
        segments[i] = 1;
        weights[i] = 1f;
      }
      return new Batch(batch, length, ids, targets, positions, segments, weights);
    }

    @Override
    public String position() {
      return "0";
    }

    @Override
    public void seek(String position) {}

    @Override
    public void close() {}
  }
}
