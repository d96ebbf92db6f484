package io.liquidj.framework.train;

import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.loss.LossParts;
import io.liquidj.framework.optim.AdamW;
import io.liquidj.framework.optim.LearningRateSchedule;
import io.liquidj.framework.optim.OptimizerSettings;
import io.liquidj.framework.tf.Fetched;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;

/**
 * Runs {@link TrainGraph} one optimizer step at a time: one {@code session.run} per micro-batch, the
 * input tensors allocated once and overwritten in place ({@link BatchGraph.Feed}). With several replicas
 * each gets its share of every batch's rows in the same run.
 *
 * <p>The optimizer's step count (Adam's t, which only advances when an update is applied) and the
 * learning-rate schedule live here; {@link #state}/{@link #restore} carry them through checkpoints.
 */
public final class TrainStep implements AutoCloseable {
  /** The counters a checkpoint must hold to continue exactly. */
  public record State(int step, long appliedUpdates, int nonFiniteInARow) {}

  private final Session session;
  private final TrainGraph graph;
  private final LearningRateSchedule schedule;
  private final int gradAccum;
  private final List<BatchGraph.Feed> feeds = new ArrayList<>();
  private final RunOptions runOptions;
  private final TFloat32 learningRate = TFloat32.scalarOf(0f);
  private final TFloat32 beta1Power = TFloat32.scalarOf(1f);
  private final TFloat32 beta2Power = TFloat32.scalarOf(1f);
  private int step;
  private long appliedUpdates;
  private int nonFiniteInARow;

  /**
   * @param runOptions the options of every run (the collectives' graph key and timeout), or null
   */
  public TrainStep(Session session, TrainGraph graph, LearningRateSchedule schedule, TrainerSettings settings,
      RunOptions runOptions) {
    this.session = session;
    this.graph = graph;
    this.schedule = schedule;
    this.gradAccum = settings.gradAccum();
    this.runOptions = runOptions;
    graph.replicas().forEach(r -> feeds.add(r.batch().newFeed()));
  }

  /** Runs one optimizer step on the next {@code grad-accum} batches of {@code source}. */
  public StepResult run(BatchSource source) {
    long start = System.nanoTime();
    double lr = schedule.at(step);
    AdamW.Feeds adamFeeds = graph.optimizer().feeds();
    OptimizerSettings adam = graph.optimizer().settings();
    learningRate.setFloat((float) lr);
    beta1Power.setFloat(AdamW.power(adam.beta1(), appliedUpdates + 1));
    beta2Power.setFloat(AdamW.power(adam.beta2(), appliedUpdates + 1));
    LossParts loss = graph.loss();
    double total = 0;
    double crossEntropy = 0;
    double zLoss = 0;
    double textCrossEntropy = 0;
    double imageCrossEntropy = 0;
    long tokens = 0;
    double gradNorm = 0;
    boolean applied = false;
    for (int micro = 0; micro < gradAccum; micro++) {
      Batch batch = source.next();
      tokens += (long) batch.batch() * batch.length();
      boolean last = micro == gradAccum - 1;
      Session.Runner runner = loss.fetchInto(feed(session.runner(), batch));
      if (runOptions != null) {
        runner.setOptions(runOptions);
      }
      if (last) {
        for (TrainGraph.Replica replica : graph.replicas()) {
          AdamW.Feeds f = replica.optimizer().feeds();
          runner.feed(f.learningRate(), learningRate).feed(f.beta1Power(), beta1Power).feed(f.beta2Power(), beta2Power);
        }
        runner.fetch(graph.gradNorm())
            .fetch(graph.finite())
            .addTarget(graph.apply());
      } else {
        runner.addTarget(graph.accumulate());
      }
      try (Result result = runner.run()) {
        LossParts.Values values = loss.values(result);
        total += values.total();
        crossEntropy += values.crossEntropy();
        zLoss += values.zLoss();
        textCrossEntropy += values.textCrossEntropy();
        imageCrossEntropy += values.imageCrossEntropy();
        if (last) {
          gradNorm = Fetched.scalar(result, graph.gradNorm());
          applied = Fetched.bool(result, graph.finite());
        }
      }
    }
    StepResult r = new StepResult(step, total / gradAccum, crossEntropy / gradAccum, zLoss / gradAccum,
        textCrossEntropy / gradAccum, imageCrossEntropy / gradAccum, gradNorm, lr, applied, tokens,
        (System.nanoTime() - start) / 1e9);
    step++;
    if (applied) {
      appliedUpdates++;
      nonFiniteInARow = 0;
    } else {
      nonFiniteInARow++;
    }
    return r;
  }

  /** Feeds replica i rows [i·B/N, (i+1)·B/N) of {@code batch}. */
  private Session.Runner feed(Session.Runner runner, Batch batch) {
    int n = feeds.size();
    if (n == 1) {
      return feeds.get(0).feed(runner, batch);
    }
    if (batch.batch() % n != 0) {
      throw new IllegalArgumentException("a batch of " + batch.batch() + " rows does not split over " + n + " replicas");
    }
    int rows = batch.batch() / n;
    for (int i = 0; i < n; i++) {
      feeds.get(i).feed(runner, rows(batch, i * rows, rows));
    }
    return runner;
  }

  private static Batch rows(Batch batch, int first, int count) {
    int from = first * batch.length();
    int to = from + count * batch.length();
    return new Batch(count, batch.length(), Arrays.copyOfRange(batch.inputIds(), from, to),
        Arrays.copyOfRange(batch.targetIds(), from, to), Arrays.copyOfRange(batch.positions(), from, to),
        Arrays.copyOfRange(batch.segmentIds(), from, to), Arrays.copyOfRange(batch.lossWeights(), from, to));
  }

  /** The counters to checkpoint. */
  public State state() {
    return new State(step, appliedUpdates, nonFiniteInARow);
  }

  /** Continues from checkpointed counters. */
  public void restore(State state) {
    step = state.step();
    appliedUpdates = state.appliedUpdates();
    nonFiniteInARow = state.nonFiniteInARow();
  }

  @Override
  public void close() {
    feeds.forEach(BatchGraph.Feed::close);
    learningRate.close();
    beta1Power.close();
    beta2Power.close();
  }
}
