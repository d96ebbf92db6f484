package io.liquidj.framework.metrics;

import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** The console progress bar of a training run: step, loss, tokens/s and ETA. */
public final class ConsoleProgress implements AutoCloseable {
  private final ProgressBar bar;

  public ConsoleProgress(String task, int totalSteps, int startStep) {
    bar = new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(totalSteps)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(500)
        .showSpeed()
        .startsFrom(startStep, java.time.Duration.ZERO)
        .build();
  }

  /** Marks {@code step} (1-based count of steps done) with its loss and throughput. */
  public void update(int stepsDone, double loss, double tokensPerSecond) {
    bar.stepTo(stepsDone);
    bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f, %.0f tok/s", loss, tokensPerSecond));
  }

  @Override
  public void close() {
    bar.close();
  }
}
