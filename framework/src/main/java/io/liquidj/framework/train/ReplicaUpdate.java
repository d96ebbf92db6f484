package io.liquidj.framework.train;

import io.liquidj.framework.distributed.Collectives;
import io.liquidj.framework.distributed.DistributedSettings;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.loss.LossParts;
import io.liquidj.framework.optim.AdamW;
import io.liquidj.framework.tf.VariableStore;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One replica's update in its scope, a part of {@link TrainGraph}: (scale to the global batch, accumulate) → sum
 * over replicas → global-norm clip → AdamW, the update gated on a finite loss and gradient norm.
 */
final class ReplicaUpdate {
  final AdamW optimizer;
  final LossParts loss;
  final Operand<TFloat32> gradNorm;
  final Operand<TBool> finite;
  final Op accumulate;
  final Op apply;

  /**
   * @param shardedParameters ZeRO-3: the replica's parameter variables are its shards; their whole gradients
   *     are reduce-scattered to shard gradients first (LoRA adapters stay whole and are all-reduced)
   */
  ReplicaUpdate(Ops tf, int replica, int replicas, TrainGraph.ReplicaStores stores, TrainGraph.Backward pass,
      RunSettings settings, Collectives collectives, boolean shardedParameters) {
    TrainerSettings trainer = settings.trainer();
    List<VariableStore.Variable> variables = pass.trained().stream().map(stores::variable).toList();
    List<Operand<TFloat32>> gradients = pass.gradients();
    List<Boolean> sharded = pass.trained().stream()
        .map(name -> shardedParameters && stores.parameters().contains(name)).toList();
    LossParts replicaLoss = pass.batch().loss();
    if (collectives == null) {
      loss = replicaLoss;
    } else {
      // The loss is a mean over the batch's weighted targets. Replica i's mean covers c_i of the C targets,
      // so the global batch's loss is Σ_i loss_i·max(c_i,1)/max(C,1), and so is its gradient (Σ over
      // replicas below): each replica scales its gradients by max(c_i,1)/max(C,1).
      Ops dp = tf.withSubScope("data_parallel");
      Operand<TFloat32> one = dp.constant(1f);
      Operand<TFloat32> count = replicaLoss.weightSum();
      Operand<TFloat32> globalCount = collectives.sum(dp, count);
      Operand<TFloat32> scale = dp.math.div(dp.math.maximum(count, one), dp.math.maximum(globalCount, one));
      // The reported parts, one collective: the text and image parts are weighted by all targets too
      // (exact when the replicas' text/image mix is alike).
      Operand<TFloat32> parts = collectives.sum(dp, dp.math.mul(dp.stack(List.of(replicaLoss.total(),
          replicaLoss.crossEntropy(), replicaLoss.zLoss(), replicaLoss.textCrossEntropy(),
          replicaLoss.imageCrossEntropy())), scale));
      var unstacked = dp.unstack(parts, 5L).output();
      loss = new LossParts(dp.withName("total").identity(unstacked.get(0)), unstacked.get(1), unstacked.get(2),
          unstacked.get(3), unstacked.get(4), globalCount);
      List<Operand<TFloat32>> scaled = new ArrayList<>();
      gradients.forEach(g -> scaled.add(dp.math.mul(g, scale)));
      gradients = scaled;
    }
    if (sharded.contains(true)) {
      // Each micro-batch's whole gradients become this replica's shard of their sum over the replicas.
      List<Integer> indices = indicesOf(sharded, true);
      List<Operand<TFloat32>> shards = ParameterShards.reduceScatter(tf.withSubScope("reduce_scatter"), replicas,
          indices.stream().map(gradients::get).toList(), indices.stream().map(pass.specs()::get).toList(),
          settings.distributed().bucketBytes(), collectives);
      gradients = replaced(gradients, indices, shards);
    }

    optimizer = new AdamW(tf, settings.optimizer(), stores.optimizerState());
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
        VariableStore.Variable accumulator = stores.optimizerState().create(
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
      if (collectives != null) {
        adds.add(loss.total()); // the reported loss's collective runs on every replica, not only on the fetched one
      }
      accumulate = acc.withControlDependencies(adds).withName("accumulate").noOp();
      zeroAccumulators = acc.withControlDependencies(zeroes).withName("zero").noOp();
      total = sums;
    } else {
      accumulate = null;
    }
    List<Op> applyOps = new ArrayList<>();
    if (collectives != null && settings.distributed().shard() == DistributedSettings.Shard.OPTIMIZER) {
      OptimizerShards shards = new OptimizerShards(tf, replica, replicas, variables, pass.reads(), total,
          loss.total(), optimizer, stores.optimizerState(), settings.optimizer(), trainer.clipNorm(),
          settings.distributed().bucketBytes(), collectives);
      gradNorm = shards.gradNorm;
      finite = shards.finite;
      applyOps.addAll(shards.updates);
    } else {
      if (collectives != null) {
        // Each replica accumulated its own micro-batches; one sum over the replicas per update (of the whole
        // gradients: ZeRO-3's shards are sums already).
        List<Integer> whole = indicesOf(sharded, false);
        List<Operand<TFloat32>> summed = collectives.sumInBuckets(tf.withSubScope("all_reduce"),
            whole.stream().map(total::get).toList(),
            whole.stream().map(i -> variables.get(i).spec().shape()).toList(), settings.distributed().bucketBytes());
        total = replaced(total, whole, summed);
      }

      Ops clip = tf.withSubScope("clip");
      List<Operand<TFloat32>> squares = new ArrayList<>();
      List<Operand<TFloat32>> shardSquares = new ArrayList<>();
      for (int i = 0; i < total.size(); i++) {
        Operand<TFloat32> g = total.get(i);
        (sharded.get(i) ? shardSquares : squares).add(clip.reduceSum(clip.math.square(g), allAxes(clip, g)));
      }
      if (!shardSquares.isEmpty()) {
        // ‖g‖² of the sharded parameters is the sum over the replicas of their shards' squares.
        squares.add(collectives.sum(clip, clip.math.addN(shardSquares)));
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
        Operand<TFloat32> value = sharded.get(i)
            ? tf.readVariableOp(variables.get(i).handle(), TFloat32.class) : pass.reads().get(i);
        updates.add(new AdamW.Update(variables.get(i), value, clipped.get(i)));
      }
      applyOps.addAll(optimizer.apply(tf, updates, finite));
    }
    // The apply target: the (gated) updates and, always, zeroing the accumulators.
    // (withControlDependencies replaces, not extends, a scope's dependencies: one list.)
    if (zeroAccumulators != null) {
      applyOps.add(zeroAccumulators);
    }
    apply = tf.withControlDependencies(applyOps).withName("apply").noOp();
  }

  /** {@code xs} with {@code xs[indices[j]]} replaced by {@code values[j]}. */
  private static List<Operand<TFloat32>> replaced(List<Operand<TFloat32>> xs, List<Integer> indices,
      List<Operand<TFloat32>> values) {
    List<Operand<TFloat32>> out = new ArrayList<>(xs);
    for (int j = 0; j < indices.size(); j++) {
      out.set(indices.get(j), values.get(j));
    }
    return out;
  }

  private static List<Integer> indicesOf(List<Boolean> flags, boolean value) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < flags.size(); i++) {
      if (flags.get(i) == value) {
        out.add(i);
      }
    }
    return out;
  }

  private static Operand<TInt32> allAxes(Ops tf, Operand<TFloat32> x) {
    return tf.range(tf.constant(0), tf.rank(x), tf.constant(1));
  }
}
