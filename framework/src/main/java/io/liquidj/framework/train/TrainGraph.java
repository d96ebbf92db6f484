package io.liquidj.framework.train;

import io.liquidj.framework.UserError;
import io.liquidj.framework.distributed.Collectives;
import io.liquidj.framework.distributed.DistributedSettings;
import io.liquidj.framework.distributed.ReplicaGraphs;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

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
  /** The variables one replica reads, trains and updates. */
  public record ReplicaStores(VariableStore parameters, VariableStore adapters, VariableStore optimizerState) {
    VariableStore.Variable variable(String name) {
      return parameters.contains(name) ? parameters.get(name) : adapters.get(name);
    }
  }

  /** One replica's batch (its share of the rows) and optimizer (its feeds). */
  public record Replica(BatchGraph batch, AdamW optimizer) {}

  /**
   * The forward and backward pass of one replica: the trained variables' whole specs, reads (null for ZeRO-3's
   * sharded parameters, read piece by piece) and gradients (of the whole parameter).
   */
  record Backward(BatchGraph batch, List<String> trained, List<ParameterSpec> specs,
      List<Operand<TFloat32>> reads, List<Operand<TFloat32>> gradients) {

    /** The copy of this (scratch-graph) pass imported under {@code prefix}/ into {@code target}. */
    Backward importedAs(Graph target, String prefix) {
      List<Operand<TFloat32>> importedReads = new ArrayList<>();
      reads.forEach(r -> importedReads.add(r == null ? null : ReplicaGraphs.importedOutput(target, prefix, r)));
      return new Backward(batch.importedAs(target, prefix), trained, specs, importedReads,
          gradients.stream().map(g -> (Operand<TFloat32>) ReplicaGraphs.importedOutput(target, prefix, g)).toList());
    }
  }

  /**
   * Where a pass reads the weights: each piece's weights ({@link RecomputedLayers}), the base parameters it read
   * (by name; a null value: read piece by piece, ZeRO-3) and the LoRA adapters' reads (null without LoRA).
   */
  private record Reads(Function<Operand<?>, Weights> pieces, Supplier<Map<String, Operand<TFloat32>>> base,
      VariableStore.GraphWeights adapters) {

    /** Plain variable reads, one per name, LoRA-wrapped when on. */
    static Reads of(Weights weights, VariableStore.GraphWeights base) {
      return new Reads(trigger -> weights, base::reads,
          weights instanceof LoraWeights lora ? lora.adapterReads() : null);
    }

    /** ZeRO-3: every piece gathers its weights from the shards (LoRA-wrapped when on). */
    static Reads gathered(Ops tf, ParameterShards.Gathered gathered, VariableStore.GraphWeights adapters,
        RunSettings settings) {
      Function<Weights, Weights> wrap = settings.lora().enabled()
          ? base -> LoraWeights.wrap(tf, base, adapters, settings.lora()) : base -> base;
      return new Reads(trigger -> wrap.apply(trigger == null ? gathered : gathered.after(trigger)), () -> {
        Map<String, Operand<TFloat32>> names = new LinkedHashMap<>();
        gathered.names().forEach(n -> names.put(n, null));
        return names;
      }, settings.lora().enabled() ? adapters : null);
    }
  }

  private final List<Replica> replicas = new ArrayList<>();
  private final LossParts loss;
  private final Operand<TFloat32> gradNorm;
  private final Operand<TBool> finite;
  private final Op accumulate;
  private final Op apply;
  private final Weights weights;
  private final Weights wholeParameters;
  private final List<String> trained;

  /**
   * Builds the step on one device in {@code tf}'s graph.
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
      RunSettings settings,
      MultimodalVocabulary vocabulary) {
    this(List.of(tf), List.of(new ReplicaStores(parameters, adapters, optimizerState)), backbone, settings,
        vocabulary, null);
  }

  /**
   * Builds the step replicated over devices (data parallelism): replica i trains on rows
   * [i·B/N, (i+1)·B/N) of each batch; the gradients are summed over the replicas so that every replica
   * applies the same update, the one a single device would apply to the whole batch.
   *
   * @param scopes one per replica, each pinned to its device (a single unpinned scope: one device)
   * @param stores the variables of each replica, created in its scope (with the same names)
   * @param collectives {@code collectives.apply(k)} makes a replica's collectives with instance keys from k on
   *     (every replica builds the same ones in the same order); null for one replica in all (then {@code scopes}
   *     holds one scope). With {@code distributed.cluster}, the replicas of every process form one group: this
   *     process's are global replicas {@code firstReplica() + i}
   */
  public TrainGraph(
      List<Ops> scopes,
      List<ReplicaStores> stores,
      Backbone backbone,
      RunSettings settings,
      MultimodalVocabulary vocabulary,
      java.util.function.IntFunction<Collectives> collectives) {
    TrainerSettings trainer = settings.trainer();
    int n = scopes.size();
    // Over all processes: replica firstReplica + i is this process's i-th (one process without collectives).
    int replicasInAll = collectives == null ? 1 : settings.distributed().replicas();
    int firstReplica = collectives == null ? 0 : settings.distributed().firstReplica();
    if (trainer.batchSize() % replicasInAll != 0) {
      throw new UserError("trainer.batch-size = " + trainer.batchSize() + " does not split evenly over "
          + replicasInAll + " replicas (distributed.devices × the processes of distributed.cluster)");
    }
    // ZeRO-3: the replicas' parameter variables are shards (ParameterShards), gathered layer by layer.
    boolean shardedParameters = collectives != null
        && settings.distributed().shard() == DistributedSettings.Shard.PARAMETERS;
    BatchGraph.Settings full = BatchGraph.Settings.training(trainer, vocabulary);
    BatchGraph.Settings share = new BatchGraph.Settings(full.batchSize() / replicasInAll, full.length(), full.masking(),
        full.zLoss(), full.zLossWeight(), full.recomputeActivations() || shardedParameters, full.vocabulary());
    ReplicaStores first = stores.get(0);
    List<Backward> passes = new ArrayList<>();
    if (collectives == null) {
      Ops tf = scopes.get(0);
      VariableStore.GraphWeights base = first.parameters().weights();
      wholeParameters = base;
      weights = settings.lora().enabled() ? LoraWeights.wrap(tf, base, first.adapters(), settings.lora()) : base;
      passes.add(backward(tf, backbone, Reads.of(weights, base), first, settings, share, vocabulary));
    } else {
      // Built once without devices, then imported once per device (ReplicaGraphs).
      Graph graph = (Graph) scopes.get(0).scope().env();
      try (Graph scratch = new Graph()) {
        Ops s = Ops.create(scratch);
        VariableStore.GraphWeights adapterReads = first.adapters().functionWeights(s);
        Reads reads;
        if (shardedParameters) {
          reads = Reads.gathered(s, new ParameterShards.Gathered(s, first.parameters().functionWeights(s),
              backbone.parameters(), collectives.apply(ReplicaOps.GATHER_KEYS)), adapterReads, settings);
        } else {
          VariableStore.GraphWeights base = first.parameters().functionWeights(s);
          reads = Reads.of(settings.lora().enabled() ? LoraWeights.wrap(s, base, adapterReads, settings.lora()) : base,
              base);
        }
        Backward pass = backward(s, backbone, reads, first, settings, share, vocabulary);
        GraphDef def = scratch.toGraphDef();
        for (int i = 0; i < n; i++) {
          String prefix = "replica" + i + "_batch";
          ReplicaGraphs.importOnDevice(graph, def, prefix, scopes.get(i).scope().getDeviceString());
          passes.add(pass.importedAs(graph, prefix));
        }
      }
      wholeParameters = shardedParameters
          ? ParameterShards.whole(scopes.get(0), stores.stream().map(ReplicaStores::parameters).toList(),
              backbone.parameters())
          : first.parameters().weights();
      weights = settings.lora().enabled()
          ? LoraWeights.wrap(scopes.get(0), wholeParameters, first.adapters(), settings.lora())
          : wholeParameters;
    }
    trained = passes.get(0).trained();

    LossParts reported = null;
    Operand<TFloat32> norm = null;
    Operand<TBool> allFinite = null;
    List<Op> accumulates = new ArrayList<>();
    List<Op> applies = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ReplicaUpdate step = new ReplicaUpdate(scopes.get(i), firstReplica + i, replicasInAll, stores.get(i), passes.get(i), settings,
          collectives == null ? null : collectives.apply(ReplicaOps.TRAIN_KEYS), shardedParameters);
      replicas.add(new Replica(passes.get(i).batch(), step.optimizer));
      if (step.accumulate != null) {
        accumulates.add(step.accumulate);
      }
      applies.add(step.apply);
      if (i == 0) {
        reported = step.loss;
        norm = step.gradNorm;
        allFinite = step.finite;
      }
    }
    loss = reported;
    gradNorm = norm;
    finite = allFinite;
    Ops tf = scopes.get(0);
    accumulate = accumulates.isEmpty() ? null
        : n == 1 ? accumulates.get(0) : tf.withControlDependencies(accumulates).withName("accumulate").noOp();
    apply = n == 1 ? applies.get(0) : tf.withControlDependencies(applies).withName("apply").noOp();
  }

  /** Forward → loss → gradients with respect to the reads of the trained variables, in {@code tf}. */
  private static Backward backward(Ops tf, Backbone backbone, Reads weightReads, ReplicaStores stores,
      RunSettings settings, BatchGraph.Settings batchSettings, MultimodalVocabulary vocabulary) {
    BatchGraph batch = new BatchGraph(tf, backbone, weightReads.pieces(), batchSettings);
    RecomputedLayers recomputed = batch.recomputed();

    // The trained variables, with the reads the forward pass used (gradients are taken against these).
    List<String> names = new ArrayList<>();
    List<ParameterSpec> specs = new ArrayList<>();
    List<Operand<TFloat32>> reads = new ArrayList<>();
    List<String> owners = new ArrayList<>(); // the parameter whose read each of `reads` feeds
    Map<String, Operand<TFloat32>> used = weightReads.base().get();
    for (ParameterSpec p : backbone.parameters()) {
      if (settings.trainsParameter(p.name()) && used.containsKey(p.name())) {
        names.add(p.name());
        specs.add(p);
        reads.add(used.get(p.name()));
        owners.add(p.name());
      }
    }
    if (weightReads.adapters() != null) {
      for (ParameterSpec p : stores.adapters().specs()) {
        names.add(p.name());
        specs.add(p);
        reads.add(weightReads.adapters().get(p.name()));
        owners.add(LoraWeights.adaptedName(p.name()));
      }
    }
    if (names.isEmpty()) {
      throw new UserError("no parameter is trained: freeze.patterns / freeze.train-only / lora.also-train exclude all of "
          + stores.parameters().specs().size() + " parameters");
    }
    Ops grad = tf.withSubScope("gradients");
    List<Operand<TFloat32>> gradients = recomputed != null
        ? recomputed.gradients(grad, batch.loss().total(), reads, owners)
        : gradients(grad, batch.loss().total(), reads);
    if (settings.freeze().newVocabularyRowsOnly()) {
      gradients = addedRowsOnly(grad, gradients, specs, vocabulary, settings.optimizer());
    }
    return new Backward(batch, names, specs, reads, gradients);
  }

  /**
   * freeze.vocabulary-rows = new: the embedding's and LM head's gradients keep only the rows the Liquid
   * extension added, so Adam's moments and updates of the text rows stay exactly zero.
   */
  private static List<Operand<TFloat32>> addedRowsOnly(Ops tf, List<Operand<TFloat32>> gradients,
      List<ParameterSpec> specs, MultimodalVocabulary vocabulary, OptimizerSettings optimizer) {
    if (vocabulary == null) {
      throw new UserError("freeze.vocabulary-rows = new needs a vocabulary extended with image codes "
          + "(trainer.image-codes > 0, or a Liquid checkpoint); this model has none");
    }
    List<Operand<TFloat32>> out = new ArrayList<>(gradients);
    for (int i = 0; i < specs.size(); i++) {
      ParameterSpec spec = specs.get(i);
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

  /** Replica 0's micro-batch: its inputs, forward pass and loss. */
  public BatchGraph batch() {
    return replicas.get(0).batch();
  }

  /** Every replica's share of the micro-batch and optimizer feeds, replica 0 first. */
  public List<Replica> replicas() {
    return replicas;
  }

  /** The micro-batch's loss parts: replica 0's batch's, or with several replicas the whole batch's. */
  public LossParts loss() {
    return loss;
  }

  /** The global norm of the (averaged, unclipped) gradients, scalar f32. */
  public Operand<TFloat32> gradNorm() {
    return gradNorm;
  }

  /** Whether the loss and the gradient norm are finite, i.e. whether {@link #apply} updated. */
  public Operand<TBool> finite() {
    return finite;
  }

  /** Adds one micro-batch's gradients to the accumulators (every replica's), or null without accumulation. */
  public Op accumulate() {
    return accumulate;
  }

  /** The optimizer update (and accumulator reset) of every replica. */
  public Op apply() {
    return apply;
  }

  /** Replica 0's optimizer. */
  public AdamW optimizer() {
    return replicas.get(0).optimizer();
  }

  /** The weights the forward pass reads (with LoRA: merged), for export. */
  public Weights weights() {
    return weights;
  }

  /** The backbone's parameters, whole (ZeRO-3: the replicas' shards concatenated), without LoRA. */
  public Weights wholeParameters() {
    return wholeParameters;
  }

  /** Names of the trained variables (backbone parameters and LoRA adapters). */
  public List<String> trained() {
    return trained;
  }
}
