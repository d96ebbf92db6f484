package io.liquidj.framework.train;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.framework.tf.Weights;
import io.liquidj.framework.loss.LossParts;
import io.liquidj.framework.optim.AdamW;
import io.liquidj.framework.optim.LoraWeights;
import io.liquidj.framework.optim.OptimizerSettings;
import io.liquidj.framework.tf.VariableStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The whole training step as one graph: the {@link BatchGraph} (forward → loss) → gradients with
 * respect to the reads of the trained variables → (accumulate) → global-norm clip → AdamW, the update gated on a finite
 * loss and gradient norm. With {@code trainer.recompute-activations} the backward pass rebuilds each
 * decoder layer from its kept input instead of holding its activations ({@link RecomputedLayers}).
 *
 * <p>With {@code grad-accum = k > 1}, {@link #accumulate} adds a micro-batch's gradients into
 * accumulator variables (k−1 times) and {@link #apply} adds the last micro-batch's, averages, updates and
 * zeroes the accumulators. With k = 1 there are no accumulators and {@code accumulate} is null.
 */
public final class TrainGraph {
  private final BatchGraph batch;
  private final Operand<TFloat32> gradNorm;
  private final Operand<TBool> finite;
  private final Op accumulate;
  private final Op apply;
  private final AdamW optimizer;
  private final Weights weights;
  private final List<String> trained;

  /**
   * Builds the step in {@code tf}'s graph.
   *
   * @param parameters the backbone's variables (created, not yet loaded)
   * @param adapters LoRA adapter variables (empty store when LoRA is off)
   * @param optimizerState where AdamW's moments and the accumulators are created
   * @param vocabulary splits the reported loss into text and image targets, or null
   */
  public TrainGraph(
      Ops tf,
      Backbone backbone,
      VariableStore parameters,
      VariableStore adapters,
      VariableStore optimizerState,
      TrainingSettings settings,
      MultimodalVocabulary vocabulary) {
    TrainerSettings trainer = settings.trainer();
    VariableStore.GraphWeights baseReads = parameters.weights();
    weights = settings.lora().enabled()
        ? LoraWeights.wrap(tf, baseReads, adapters, settings.lora())
        : baseReads;
    batch = new BatchGraph(tf, backbone, weights, BatchGraph.Settings.training(trainer, vocabulary));
    LossParts loss = batch.loss();
    RecomputedLayers recomputed = batch.recomputed();

    // The trained variables, with the reads the forward pass used (gradients are taken against these).
    List<VariableStore.Variable> variables = new ArrayList<>();
    List<Operand<TFloat32>> reads = new ArrayList<>();
    List<String> owners = new ArrayList<>(); // the parameter whose read each of `reads` feeds
    Map<String, Operand<TFloat32>> used = baseReads.reads();
    for (ParameterSpec p : parameters.specs()) {
      if (settings.trainsParameter(p.name()) && used.containsKey(p.name())) {
        variables.add(parameters.get(p.name()));
        reads.add(used.get(p.name()));
        owners.add(p.name());
      }
    }
    if (settings.lora().enabled()) {
      VariableStore.GraphWeights adapterReads = ((LoraWeights) weights).adapterReads();
      for (ParameterSpec p : adapters.specs()) {
        variables.add(adapters.get(p.name()));
        reads.add(adapterReads.get(p.name()));
        owners.add(LoraWeights.adaptedName(p.name()));
      }
    }
    if (variables.isEmpty()) {
      throw new UserError("no parameter is trained: freeze.patterns / freeze.train-only / lora.also-train exclude all of "
          + parameters.specs().size() + " parameters");
    }
    trained = variables.stream().map(v -> v.spec().name()).toList();

    Ops grad = tf.withSubScope("gradients");
    List<Operand<TFloat32>> gradients = recomputed != null
        ? recomputed.gradients(grad, loss.total(), reads, owners)
        : gradients(grad, loss.total(), reads);
    if (settings.freeze().newVocabularyRowsOnly()) {
      gradients = addedRowsOnly(grad, gradients, variables, vocabulary, settings.optimizer());
    }

    optimizer = new AdamW(tf, settings.optimizer(), optimizerState);
    int k = trainer.gradAccum();
    List<Operand<TFloat32>> total = gradients;
    Op zeroAccumulators = null;
    if (k > 1) {
      List<Op> adds = new ArrayList<>();
      List<Operand<TFloat32>> sums = new ArrayList<>();
      List<Op> zeroes = new ArrayList<>();
      Ops acc = tf.withSubScope("accumulate");
      for (int i = 0; i < variables.size(); i++) {
        ParameterSpec spec = variables.get(i).spec();
        VariableStore.Variable accumulator = optimizerState.create(
            new ParameterSpec(spec.name() + ".grad_accum", spec.shape(), ParameterSpec.Init.ZEROS),
            VariableStore.ZEROS);
        adds.add(acc.assignAddVariableOp(accumulator.handle(), gradients.get(i)));
        // (accumulated + this micro-batch's gradient) / k: the mean of the k micro-batch losses' gradients.
        Operand<TFloat32> sum = acc.math.div(
            acc.math.add(acc.readVariableOp(accumulator.handle(), TFloat32.class), gradients.get(i)),
            acc.constant((float) k));
        sums.add(sum);
        zeroes.add(acc.withControlDependencies(List.of(sum)).assignVariableOp(accumulator.handle(),
            acc.fill(acc.constant(spec.shape()), acc.constant(0f))));
      }
      accumulate = acc.withControlDependencies(adds).withName("accumulate").noOp();
      zeroAccumulators = acc.withControlDependencies(zeroes).withName("zero").noOp();
      total = sums;
    } else {
      accumulate = null;
    }

    Ops clip = tf.withSubScope("clip");
    List<Operand<TFloat32>> squares = new ArrayList<>();
    for (Operand<TFloat32> g : total) {
      squares.add(clip.reduceSum(clip.math.square(g), allAxes(clip, g)));
    }
    gradNorm = clip.withName("global_norm").math.sqrt(clip.math.addN(squares));
    finite = clip.withName("finite").math.logicalAnd(clip.math.isFinite(gradNorm), clip.math.isFinite(loss.total()));
    List<Operand<TFloat32>> clipped = new ArrayList<>();
    if (trainer.clipNorm() > 0) {
      // g · clip / max(‖g‖, clip) (torch.nn.utils.clip_grad_norm_ up to its 1e-6)
      Operand<TFloat32> threshold = clip.constant((float) trainer.clipNorm());
      Operand<TFloat32> scale = clip.math.div(threshold, clip.math.maximum(gradNorm, threshold));
      total.forEach(g -> clipped.add(clip.math.mul(g, scale)));
    } else {
      clipped.addAll(total);
    }
    List<AdamW.Update> updates = new ArrayList<>();
    for (int i = 0; i < variables.size(); i++) {
      updates.add(new AdamW.Update(variables.get(i), reads.get(i), clipped.get(i)));
    }
    List<Op> applyOps = new ArrayList<>(optimizer.apply(tf, updates, finite));
    // The apply target: the (gated) updates and, always, zeroing the accumulators.
    // (withControlDependencies replaces, not extends, a scope's dependencies: one list.)
    if (zeroAccumulators != null) {
      applyOps.add(zeroAccumulators);
    }
    apply = tf.withControlDependencies(applyOps).withName("apply").noOp();
  }

  /**
   * freeze.vocabulary-rows = new: the embedding's and LM head's gradients keep only the rows the Liquid
   * extension added, so Adam's moments and updates of the text rows stay exactly zero.
   */
  private static List<Operand<TFloat32>> addedRowsOnly(Ops tf, List<Operand<TFloat32>> gradients,
      List<VariableStore.Variable> variables, MultimodalVocabulary vocabulary, OptimizerSettings optimizer) {
    if (vocabulary == null) {
      throw new UserError("freeze.vocabulary-rows = new needs a vocabulary extended with image codes "
          + "(trainer.image-codes > 0, or a Liquid checkpoint); this model has none");
    }
    List<Operand<TFloat32>> out = new ArrayList<>(gradients);
    for (int i = 0; i < variables.size(); i++) {
      ParameterSpec spec = variables.get(i).spec();
      if (!VocabularyExtension.VOCABULARY_MATRICES.contains(spec.name())) {
        continue;
      }
      if (optimizer.decays(spec.name())) {
        throw new UserError("freeze.vocabulary-rows = new: " + spec.name() + " has weight decay, which would still "
            + "shrink its text rows; add it to optimizer.no-decay");
      }
      int rows = (int) spec.shape()[0];
      if (rows != vocabulary.totalRows()) {
        throw new IllegalStateException(spec.name() + " has " + rows + " rows, the vocabulary " + vocabulary.totalRows());
      }
      float[] mask = new float[rows];
      for (int r = 0; r < rows; r++) {
        mask[r] = vocabulary.isAddedRow(r) ? 1f : 0f;
      }
      Operand<TFloat32> column = tf.reshape(tf.constant(mask), tf.constant(new long[] {rows, 1}));
      out.set(i, tf.math.mul(gradients.get(i), column));
    }
    return out;
  }

  private static List<Operand<TFloat32>> gradients(Ops tf, Operand<TFloat32> loss, List<Operand<TFloat32>> xs) {
    var result = tf.gradients(loss, xs);
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (int i = 0; i < xs.size(); i++) {
      @SuppressWarnings("unchecked")
      Output<TFloat32> dy = (Output<TFloat32>) (Output<?>) result.dy(i);
      // A parameter reached only through zero-gradient ops gets a closed Output (research §1c).
      out.add(dy.isClosed() ? tf.zerosLike(xs.get(i)) : dy);
    }
    return out;
  }

  private static Operand<TInt32> allAxes(Ops tf, Operand<TFloat32> x) {
    return tf.range(tf.constant(0), tf.rank(x), tf.constant(1));
  }

  /** The micro-batch's inputs, forward pass and loss. */
  public BatchGraph batch() {
    return batch;
  }

  /** The global norm of the (averaged, unclipped) gradients, scalar f32. */
  public Operand<TFloat32> gradNorm() {
    return gradNorm;
  }

  /** Whether the loss and the gradient norm are finite, i.e. whether {@link #apply} updated. */
  public Operand<TBool> finite() {
    return finite;
  }

  /** Adds one micro-batch's gradients to the accumulators, or null without accumulation. */
  public Op accumulate() {
    return accumulate;
  }

  /** The optimizer update (and accumulator reset). */
  public Op apply() {
    return apply;
  }

  public AdamW optimizer() {
    return optimizer;
  }

  /** The weights the forward pass reads (with LoRA: merged), for export. */
  public Weights weights() {
    return weights;
  }

  /** Names of the trained variables (backbone parameters and LoRA adapters). */
  public List<String> trained() {
    return trained;
  }
}
