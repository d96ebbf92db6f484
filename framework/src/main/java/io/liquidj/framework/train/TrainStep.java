package io.liquidj.framework.train;

import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.optim.AdamW;
import io.liquidj.framework.optim.LearningRateSchedule;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Runs {@link TrainGraph} one optimizer step at a time: one {@code session.run} per micro-batch, the
 * input tensors allocated once and overwritten in place (research/tensorflow-java.md §5).
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
  private final TInt32 inputIds;
  private final TInt32 targetIds;
  private final TInt32 positions;
  private final TInt32 segmentIds;
  private final TFloat32 lossWeights;
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
    Shape shape = Shape.of(settings.batchSize(), settings.seqLen());
    inputIds = TInt32.tensorOf(shape);
    targetIds = TInt32.tensorOf(shape);
    positions = TInt32.tensorOf(shape);
    segmentIds = TInt32.tensorOf(shape);
    lossWeights = TFloat32.tensorOf(shape);
  }

  /** Runs one optimizer step on the next {@code grad-accum} batches of {@code source}. */
  public StepResult run(BatchSource source) {
    long start = System.nanoTime();
    double lr = schedule.at(step);
    AdamW adam = graph.optimizer();
    learningRate.setFloat((float) lr);
    beta1Power.setFloat(AdamW.power(adam.settings().beta1(), appliedUpdates + 1));
    beta2Power.setFloat(AdamW.power(adam.settings().beta2(), appliedUpdates + 1));
    double[] sums = new double[5];
    long tokens = 0;
    double gradNorm = 0;
    boolean applied = false;
    for (int micro = 0; micro < gradAccum; micro++) {
      Batch batch = source.next();
      fill(batch);
      tokens += (long) batch.batch() * batch.length();
      boolean last = micro == gradAccum - 1;
      Session.Runner runner = session.runner()
          .feed(graph.inputs().inputIds(), inputIds)
          .feed(graph.inputs().targetIds(), targetIds)
          .feed(graph.inputs().positions(), positions)
          .feed(graph.inputs().segmentIds(), segmentIds)
          .feed(graph.inputs().lossWeights(), lossWeights)
          .fetch(graph.loss().total())
          .fetch(graph.loss().crossEntropy())
          .fetch(graph.loss().zLoss())
          .fetch(graph.loss().textCrossEntropy())
          .fetch(graph.loss().imageCrossEntropy());
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
        for (int i = 0; i < 5; i++) {
          sums[i] += ((TFloat32) result.get(i)).getFloat();
        }
        if (last) {
          gradNorm = ((TFloat32) result.get(5)).getFloat();
          applied = ((TBool) result.get(6)).getBoolean();
        }
      }
    }
    StepResult r = new StepResult(step, sums[0] / gradAccum, sums[1] / gradAccum, sums[2] / gradAccum,
        sums[3] / gradAccum, sums[4] / gradAccum, gradNorm, lr, applied, tokens,
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

  private void fill(Batch batch) {
    inputIds.asRawTensor().data().asInts().write(batch.inputIds());
    targetIds.asRawTensor().data().asInts().write(batch.targetIds());
    positions.asRawTensor().data().asInts().write(batch.positions());
    segmentIds.asRawTensor().data().asInts().write(batch.segmentIds());
    lossWeights.asRawTensor().data().asFloats().write(batch.lossWeights());
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
    inputIds.close();
    targetIds.close();
    positions.close();
    segmentIds.close();
    lossWeights.close();
    learningRate.close();
    beta1Power.close();
    beta2Power.close();
  }
}
