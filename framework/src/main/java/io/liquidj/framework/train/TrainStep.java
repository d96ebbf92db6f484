package io.liquidj.framework.train;

import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.loss.LossParts;
import io.liquidj.framework.optim.AdamW;
import io.liquidj.framework.optim.LearningRateSchedule;
import io.liquidj.framework.tf.Fetched;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;

/**
 * Runs {@link TrainGraph} one optimizer step at a time: one {@code session.run} per micro-batch, the
 * input tensors allocated once and overwritten in place ({@link BatchGraph.Feed}).
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
  private final BatchGraph.Feed feed;
  private final TFloat32 learningRate = TFloat32.scalarOf(0f);
  private final TFloat32 beta1Power = TFloat32.scalarOf(1f);
  private final TFloat32 beta2Power = TFloat32.scalarOf(1f);
  private int step;
  private long appliedUpdates;
  private int nonFiniteInARow;

  public TrainStep(Session session, TrainGraph graph, LearningRateSchedule schedule, TrainerSettings settings) {
    this.session = session;
    this.graph = graph;
    this.schedule = schedule;
    this.gradAccum = settings.gradAccum();
    this.feed = graph.batch().newFeed();
  }

  /** Runs one optimizer step on the next {@code grad-accum} batches of {@code source}. */
  public StepResult run(BatchSource source) {
    long start = System.nanoTime();
    double lr = schedule.at(step);
    AdamW adam = graph.optimizer();
    learningRate.setFloat((float) lr);
    beta1Power.setFloat(AdamW.power(adam.settings().beta1(), appliedUpdates + 1));
    beta2Power.setFloat(AdamW.power(adam.settings().beta2(), appliedUpdates + 1));
    LossParts loss = graph.batch().loss();
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
      Session.Runner runner = loss.fetchInto(feed.feed(session.runner(), batch));
      if (last) {
        AdamW.Feeds feeds = adam.feeds();
        runner.feed(feeds.learningRate(), learningRate)
            .feed(feeds.beta1Power(), beta1Power)
            .feed(feeds.beta2Power(), beta2Power)
            .fetch(graph.gradNorm())
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
    feed.close();
    learningRate.close();
    beta1Power.close();
    beta2Power.close();
  }
}
