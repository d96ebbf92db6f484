package io.liquidj.framework.train;

import io.liquidj.framework.metrics.ConsoleProgress;
import io.liquidj.framework.metrics.MetricsLog;
import io.liquidj.framework.metrics.TensorBoard;
import io.liquidj.framework.metrics.Throughput;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a training run reports after each step: a progress bar on a terminal (else a plain line every
 * {@code trainer.log-every} steps), and on the chief the same values as TensorBoard scalars and
 * {@code metrics.jsonl} lines under the run's {@code tensorboard/} folder.
 */
final class StepLog implements AutoCloseable {
  private final TrainerSettings trainer;
  private final PrintStream out;
  private final long parameterCount;
  /** Null on every task but the chief: the loss is the global batch's on every task. */
  private final TensorBoard tensorBoard;
  private final MetricsLog metrics;
  private ConsoleProgress progress;
  private long startNanos;
  private int startStep = -1;

  StepLog(TrainerSettings trainer, boolean chief, long parameterCount, PrintStream out) throws IOException {
    this.trainer = trainer;
    this.out = out;
    this.parameterCount = parameterCount;
    Path dir = trainer.outputDir().resolve(RunFolder.TENSORBOARD);
    tensorBoard = chief ? new TensorBoard(dir) : null;
    metrics = chief ? new MetricsLog(dir) : null;
  }

  /** Before the first step of this process: the step it starts from (the resumed one, or 0). */
  void startIfFirst(int step) {
    if (startStep >= 0) {
      return;
    }
    startStep = step;
    startNanos = System.nanoTime();
    // A carriage-return bar only on a terminal: in CI, under nohup or into a file, a plain line per log-every.
    if (trainer.progressBar() && System.console() != null) {
      progress = new ConsoleProgress("train", trainer.steps(), startStep);
    }
  }

  /** After step {@code r.step()}: the bar moves; every log-every steps and at the last the values are written. */
  void stepped(StepResult r) {
    int done = r.step() + 1;
    if (progress != null) {
      progress.update(done, r.loss(), r.tokensPerSecond());
    }
    if (done % trainer.logEvery() == 0 || done == trainer.steps()) {
      log(r);
    }
  }

  private void log(StepResult r) {
    long at = r.step() + 1;
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("loss", r.loss());
    if (trainer.zLossWeight() > 0) {
      values.put("cross_entropy", r.crossEntropy()); // loss is cross-entropy + weight · z-loss
    }
    values.put("loss_text", r.textCrossEntropy());
    values.put("loss_image", r.imageCrossEntropy());
    // With weight 0 the z-loss is computed but not optimised: the tag says so.
    values.put(trainer.zLossWeight() > 0 ? "z_loss" : "z_loss_monitor", r.zLoss());
    values.put("lr", r.learningRate());
    values.put("grad_norm", r.gradNorm());
    values.put("tokens_per_second", r.tokensPerSecond());
    if (trainer.peakFlops() > 0) {
      values.put("mfu", Throughput.mfu(parameterCount, r.tokensPerSecond(), trainer.peakFlops()));
    }
    if (tensorBoard != null) {
      values.forEach((name, v) -> tensorBoard.scalar("train/" + name, at, v));
      tensorBoard.flush();
      metrics.write("train", at, values);
    }
    if (progress == null) {
      double secondsPerStep = (System.nanoTime() - startNanos) / 1e9 / Math.max(1, at - startStep);
      out.printf(Locale.ROOT, "step %d/%d loss %.4f (text %.4f image %.4f z %.3g) lr %.3g grad-norm %.3f "
              + "%.0f tok/s%s ETA %s%n", at, trainer.steps(), r.loss(), r.textCrossEntropy(), r.imageCrossEntropy(),
          r.zLoss(), r.learningRate(), r.gradNorm(), r.tokensPerSecond(),
          values.containsKey("mfu") ? String.format(Locale.ROOT, " MFU %.1f%%", 100 * values.get("mfu")) : "",
          duration(Math.round(secondsPerStep * (trainer.steps() - at))));
    }
  }

  /** 0:42, 13:05, 2:03:00. */
  private static String duration(long seconds) {
    return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
  }

  @Override
  public void close() {
    if (progress != null) {
      progress.close();
    }
    if (metrics != null) {
      try {
        metrics.close();
      } catch (IOException ignored) {
        // every line was flushed when written
      }
    }
    if (tensorBoard != null) {
      tensorBoard.close();
    }
  }
}
