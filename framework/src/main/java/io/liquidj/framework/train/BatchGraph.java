package io.liquidj.framework.train;

import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.tf.Weights;
import io.liquidj.framework.data.Batch;
import io.liquidj.framework.loss.LossParts;
import io.liquidj.framework.loss.Losses;
import io.liquidj.framework.loss.ZLoss;
import io.liquidj.framework.nn.AttentionMasks;
import io.liquidj.framework.distributed.ReplicaGraphs;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import java.util.function.Function;

/**
 * One {@link Batch} as a graph: its [B,T] placeholders → the backbone's masked forward pass → the loss
 * parts. {@link TrainGraph} adds gradients and the optimizer to it; evaluation and the {@code logits}
 * command run it as it is. A function of (scope, backbone, weights, settings): building it again in
 * another scope gives another, independent copy.
 */
public final class BatchGraph {
  /** The [B,T] placeholders of one batch, named as {@link Batch}'s fields under {@code inputs/}. */
  public record Inputs(
      Placeholder<TInt32> inputIds,
      Placeholder<TInt32> targetIds,
      Placeholder<TInt32> positions,
      Placeholder<TInt32> segmentIds,
      Placeholder<TFloat32> lossWeights) {

    static Inputs create(Ops tf, Shape shape) {
      Ops in = tf.withSubScope("inputs");
      return new Inputs(
          in.withName("input_ids").placeholder(TInt32.class, Placeholder.shape(shape)),
          in.withName("target_ids").placeholder(TInt32.class, Placeholder.shape(shape)),
          in.withName("positions").placeholder(TInt32.class, Placeholder.shape(shape)),
          in.withName("segment_ids").placeholder(TInt32.class, Placeholder.shape(shape)),
          in.withName("loss_weights").placeholder(TFloat32.class, Placeholder.shape(shape)));
    }
  }

  /** Which keys a query may attend to, read from the batch's segment ids. */
  public enum Masking {
    /** Packed documents (numbered from 1, 0 = padding): causal within a document; a padding query sees itself. */
    DOCUMENTS,
    /**
     * One document per row, the segment ids being transformers' attention_mask (1 = token, 0 = padding):
     * causal, padding keys masked, as a plain transformers forward call masks them.
     */
    PADDING
  }

  /**
   * What the graph computes.
   *
   * @param batchSize rows B
   * @param length tokens per row T
   * @param masking how segment ids mask attention
   * @param zLoss which z-loss
   * @param zLossWeight its weight in the total loss; 0: reported only
   * @param recomputeActivations build the forward pass so that the backward pass recomputes each layer
   *     ({@link RecomputedLayers})
   * @param vocabulary splits the reported loss into text and image targets, or null (all text)
   */
  public record Settings(
      int batchSize,
      int length,
      Masking masking,
      ZLoss zLoss,
      double zLossWeight,
      boolean recomputeActivations,
      MultimodalVocabulary vocabulary) {
    public Settings {
      if (batchSize <= 0 || length <= 0) {
        throw new IllegalArgumentException("a batch graph needs a positive batch size and length, got ["
            + batchSize + ", " + length + "]");
      }
    }

    /** A training run's batch: the trainer's shape, z-loss and recomputation, packed documents. */
    public static Settings training(TrainerSettings trainer, MultimodalVocabulary vocabulary) {
      return new Settings(trainer.batchSize(), trainer.seqLen(), Masking.DOCUMENTS, trainer.zLoss(),
          trainer.zLossWeight(), trainer.recomputeActivations(), vocabulary);
    }
  }

  private final Settings settings;
  private final Inputs inputs;
  private final RecomputedLayers recomputed;
  private final Operand<TFloat32> logits;
  private final LossParts loss;

  private BatchGraph(Settings settings, Inputs inputs, Operand<TFloat32> logits, LossParts loss) {
    this.settings = settings;
    this.inputs = inputs;
    this.recomputed = null;
    this.logits = logits;
    this.loss = loss;
  }

  /** Builds the batch's graph in {@code tf}: placeholders under {@code inputs/}, the backbone under {@code model/}. */
  public BatchGraph(Ops tf, Backbone backbone, Weights weights, Settings settings) {
    this(tf, backbone, (Function<Operand<?>, Weights>) trigger -> weights, settings);
  }

  /**
   * {@link #BatchGraph(Ops, Backbone, Weights, Settings)} with each piece of the network reading its own weights
   * ({@link RecomputedLayers#RecomputedLayers(Ops, io.liquidj.framework.backbone.LayerStack, Function)}; needs
   * {@code recomputeActivations}): ZeRO-3 gathers each layer's weights when the layer runs.
   */
  BatchGraph(Ops tf, Backbone backbone, Function<Operand<?>, Weights> pieceWeights, Settings settings) {
    this.settings = settings;
    inputs = Inputs.create(tf, Shape.of(settings.batchSize(), settings.length()));
    Operand<TBool> allowed = settings.masking() == Masking.DOCUMENTS
        ? AttentionMasks.causalWithinSegments(tf, inputs.segmentIds())
        : AttentionMasks.causalWithPadding(tf, inputs.segmentIds());
    ForwardInputs forward = ForwardInputs.full(inputs.inputIds(), inputs.positions(), allowed);
    Ops model = tf.withSubScope("model");
    recomputed = settings.recomputeActivations()
        ? new RecomputedLayers(model, backbone.layers(model, forward), pieceWeights)
        : null;
    logits = recomputed != null ? recomputed.logits()
        : backbone.forward(model, pieceWeights.apply(null), forward).logits();
    loss = Losses.crossEntropyWithZLoss(tf, logits, inputs.targetIds(), inputs.lossWeights(), settings.zLoss(),
        settings.zLossWeight(), settings.vocabulary());
  }

  /**
   * This graph's copy imported under {@code prefix}/ into {@code target} ({@link ReplicaGraphs}): its
   * placeholders, logits and loss parts (the recomputed layers stay behind: the copy is complete).
   */
  BatchGraph importedAs(Graph target, String prefix) {
    Inputs in = new Inputs(
        new Placeholder<>(ReplicaGraphs.importedOperation(target, prefix, inputs.inputIds())),
        new Placeholder<>(ReplicaGraphs.importedOperation(target, prefix, inputs.targetIds())),
        new Placeholder<>(ReplicaGraphs.importedOperation(target, prefix, inputs.positions())),
        new Placeholder<>(ReplicaGraphs.importedOperation(target, prefix, inputs.segmentIds())),
        new Placeholder<>(ReplicaGraphs.importedOperation(target, prefix, inputs.lossWeights())));
    LossParts parts = new LossParts(
        ReplicaGraphs.importedOutput(target, prefix, loss.total()),
        ReplicaGraphs.importedOutput(target, prefix, loss.crossEntropy()),
        ReplicaGraphs.importedOutput(target, prefix, loss.zLoss()),
        ReplicaGraphs.importedOutput(target, prefix, loss.textCrossEntropy()),
        ReplicaGraphs.importedOutput(target, prefix, loss.imageCrossEntropy()),
        ReplicaGraphs.importedOutput(target, prefix, loss.weightSum()));
    return new BatchGraph(settings, in, ReplicaGraphs.importedOutput(target, prefix, logits), parts);
  }

  public Inputs inputs() {
    return inputs;
  }

  /** The forward pass's logits [B,T,V] f32. */
  public Operand<TFloat32> logits() {
    return logits;
  }

  public LossParts loss() {
    return loss;
  }

  /** The layers to recompute in the backward pass, or null without {@code recomputeActivations}. */
  public RecomputedLayers recomputed() {
    return recomputed;
  }

  /** Input tensors for this graph, allocated once and overwritten by each batch. */
  public Feed newFeed() {
    return new Feed();
  }

  /**
   * The batch's five [B,T] tensors, allocated once and overwritten in place for each batch
   * (allocating five native tensors per step costs more than the copy).
   */
  public final class Feed implements AutoCloseable {
    private final TInt32 inputIds;
    private final TInt32 targetIds;
    private final TInt32 positions;
    private final TInt32 segmentIds;
    private final TFloat32 lossWeights;

    private Feed() {
      Shape shape = Shape.of(settings.batchSize(), settings.length());
      inputIds = TInt32.tensorOf(shape);
      targetIds = TInt32.tensorOf(shape);
      positions = TInt32.tensorOf(shape);
      segmentIds = TInt32.tensorOf(shape);
      lossWeights = TFloat32.tensorOf(shape);
    }

    /** Writes {@code batch} into the tensors and feeds them to {@code runner}'s placeholders. */
    public Session.Runner feed(Session.Runner runner, Batch batch) {
      if (batch.batch() != settings.batchSize() || batch.length() != settings.length()) {
        throw new IllegalArgumentException("a [" + batch.batch() + ", " + batch.length() + "] batch fed to a ["
            + settings.batchSize() + ", " + settings.length() + "] batch graph");
      }
      inputIds.asRawTensor().data().asInts().write(batch.inputIds());
      targetIds.asRawTensor().data().asInts().write(batch.targetIds());
      positions.asRawTensor().data().asInts().write(batch.positions());
      segmentIds.asRawTensor().data().asInts().write(batch.segmentIds());
      lossWeights.asRawTensor().data().asFloats().write(batch.lossWeights());
      return runner
          .feed(inputs.inputIds(), inputIds)
          .feed(inputs.targetIds(), targetIds)
          .feed(inputs.positions(), positions)
          .feed(inputs.segmentIds(), segmentIds)
          .feed(inputs.lossWeights(), lossWeights);
    }

    @Override
    public void close() {
      inputIds.close();
      targetIds.close();
      positions.close();
      segmentIds.close();
      lossWeights.close();
    }
  }
}
