package io.liquidj.framework.train;

import io.liquidj.framework.distributed.Collectives;
import io.liquidj.framework.optim.AdamW;
import io.liquidj.framework.optim.OptimizerSettings;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.VariableStore;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * ZeRO-1 (Rajbhandari et al. 2020, stage 1; DeepSpeed {@code zero_optimization.stage = 1}): replica i of
 * N keeps AdamW's moments for 1/N of the parameters and updates only those.
 *
 * <p>Per bucket of variables (those with weight decay and those without are never mixed): the flattened,
 * zero-padded gradients [N·s] are reduce-scattered — an all-to-all of their [N, s] rows and a sum over the
 * rows, as CollectiveReduceScatterV2 has no CPU kernel on TensorFlow 2.18 — to replica i's
 * shard [s] of the summed gradient; replica i copies its shard of the current weights into a shard-shaped
 * variable (ResourceApplyAdam wants variable, moments and gradient of one shape), clips and updates it,
 * and the updated shards are all-gathered and written back into the whole variables. The global norm is
 * the sum over replicas of their shards' squares. The arithmetic is plain data parallelism's, element by
 * element.
 *
 * <p>Replica i's shard is row i: a group's rank follows its devices' names, i.e. the replica index for up
 * to 10 devices of one kind.
 */
final class OptimizerShards {
  /** The name prefix of the shard variables and their moments (replica-local, not copied between replicas). */
  static final String PREFIX = "zero1.";

  final Operand<TFloat32> gradNorm;
  final Operand<TBool> finite;
  final List<Op> updates = new ArrayList<>();

  OptimizerShards(Ops tf, int replica, int replicas, List<VariableStore.Variable> variables,
      List<Operand<TFloat32>> values, List<Operand<TFloat32>> gradients, Operand<TFloat32> loss, AdamW optimizer,
      VariableStore state, OptimizerSettings optimizerSettings, double clipNorm, long bucketBytes,
      Collectives collectives) {
    Ops zero = tf.withSubScope("zero1");
    List<List<Integer>> buckets = buckets(variables, optimizerSettings, bucketBytes);
    List<Operand<TFloat32>> gradientShards = new ArrayList<>();
    List<Operand<TFloat32>> weightShards = new ArrayList<>();
    List<Integer> shardSizes = new ArrayList<>();
    for (List<Integer> bucket : buckets) {
      long length = bucket.stream().mapToLong(i -> variables.get(i).spec().size()).sum();
      int shard = Math.toIntExact((length + replicas - 1) / replicas);
      int padding = Math.toIntExact((long) shard * replicas - length);
      Operand<TFloat32> rows = zero.reshape(flat(zero, bucket.stream().map(gradients::get).toList(), padding),
          zero.constant(new int[] {replicas, shard}));
      gradientShards.add(zero.reduceSum(collectives.allToAll(zero, rows), zero.constant(0))); // [s]
      Operand<TFloat32> weights = flat(zero, bucket.stream().map(values::get).toList(), padding);
      weightShards.add(zero.slice(weights, zero.constant(new int[] {replica * shard}), zero.constant(new int[] {shard})));
      shardSizes.add(shard);
    }

    List<Operand<TFloat32>> squares = new ArrayList<>();
    gradientShards.forEach(g -> squares.add(zero.reduceSum(zero.math.square(g), zero.constant(0))));
    gradNorm = zero.withName("global_norm").math.sqrt(collectives.sum(zero, zero.math.addN(squares)));
    finite = zero.withName("finite").math.logicalAnd(zero.math.isFinite(gradNorm), zero.math.isFinite(loss));
    Operand<TFloat32> scale = zero.constant(1f);
    if (clipNorm > 0) {
      // g · clip / max(‖g‖, clip), as TrainGraph
      Operand<TFloat32> threshold = zero.constant((float) clipNorm);
      scale = zero.math.div(threshold, zero.math.maximum(gradNorm, threshold));
    }

    for (int b = 0; b < buckets.size(); b++) {
      List<Integer> bucket = buckets.get(b);
      boolean decays = optimizerSettings.decays(variables.get(bucket.get(0)).spec().name());
      VariableStore.Variable shardVariable = state.create(
          new ParameterSpec(PREFIX + "bucket" + b, new long[] {shardSizes.get(b)}, ParameterSpec.Init.ZEROS),
          VariableStore.ZEROS);
      Op refresh = zero.assignVariableOp(shardVariable.handle(), weightShards.get(b));
      Ops afterRefresh = zero.withControlDependencies(List.of(refresh));
      List<Op> applied = optimizer.apply(afterRefresh, List.of(new AdamW.Update(shardVariable, weightShards.get(b),
          zero.math.mul(gradientShards.get(b), scale))), finite, name -> decays);
      Operand<TFloat32> updated = zero.withControlDependencies(applied)
          .readVariableOp(shardVariable.handle(), TFloat32.class);
      Operand<TFloat32> whole = collectives.gather(zero, updated); // [N·s]
      int offset = 0;
      for (int i : bucket) {
        ParameterSpec spec = variables.get(i).spec();
        int size = Math.toIntExact(spec.size());
        Operand<TFloat32> part = zero.reshape(
            zero.slice(whole, zero.constant(new int[] {offset}), zero.constant(new int[] {size})),
            zero.constant(spec.shape()));
        updates.add(zero.assignVariableOp(variables.get(i).handle(), part));
        offset += size;
      }
    }
  }

  /** The tensors flattened, concatenated and padded with {@code padding} zeros: [Σ sizes + padding]. */
  static Operand<TFloat32> flat(Ops tf, List<Operand<TFloat32>> xs, int padding) {
    List<Operand<TFloat32>> parts = new ArrayList<>();
    xs.forEach(x -> parts.add(tf.reshape(x, tf.constant(new int[] {-1}))));
    if (padding > 0) {
      parts.add(tf.fill(tf.constant(new int[] {padding}), tf.constant(0f)));
    }
    return parts.size() == 1 ? parts.get(0) : tf.concat(parts, tf.constant(0));
  }

  /** Consecutive variables of one decay class, about {@code bucketBytes} of f32 each. */
  private static List<List<Integer>> buckets(List<VariableStore.Variable> variables, OptimizerSettings settings,
      long bucketBytes) {
    List<List<Integer>> buckets = new ArrayList<>();
    for (boolean decays : new boolean[] {true, false}) {
      List<Integer> current = new ArrayList<>();
      long bytes = 0;
      for (int i = 0; i < variables.size(); i++) {
        ParameterSpec spec = variables.get(i).spec();
        if (settings.decays(spec.name()) != decays) {
          continue;
        }
        if (!current.isEmpty() && bytes + spec.size() * Float.BYTES > bucketBytes) {
          buckets.add(current);
          current = new ArrayList<>();
          bytes = 0;
        }
        current.add(i);
        bytes += spec.size() * Float.BYTES;
      }
      if (!current.isEmpty()) {
        buckets.add(current);
      }
    }
    return buckets;
  }
}
