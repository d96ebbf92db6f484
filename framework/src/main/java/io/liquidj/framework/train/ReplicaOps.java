package io.liquidj.framework.train;

import io.liquidj.framework.distributed.ClusterServer;
import io.liquidj.framework.distributed.Collectives;
import io.liquidj.framework.distributed.DistributedSettings;
import io.liquidj.framework.tf.VariableStore;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The graph pieces that keep {@link TrainingRun}'s replicas in step: where each replica lives, the op that makes
 * every replica's variables replica 0's, and the barrier of a multi-process checkpoint.
 */
final class ReplicaOps {
  private ReplicaOps() {}

  /** Instance-key ranges of the training step's, the weight sync's and the barrier's collectives. */
  static final int TRAIN_KEYS = 1;
  static final int SYNC_KEYS = 1_000_000;
  static final int BARRIER_KEYS = 2_000_000;
  /** ZeRO-3's gathers of the weights, in the replicated forward and backward pass. */
  static final int GATHER_KEYS = 3_000_000;

  /** Replica {@code i} of this process's device: {@code [/job:worker/replica:0/task:t]/device:CPU|GPU:i}. */
  static DeviceSpec device(DistributedSettings distributed, boolean gpus, int i) {
    DeviceSpec.Builder device = DeviceSpec.newBuilder()
        .deviceType(gpus ? DeviceSpec.DeviceType.GPU : DeviceSpec.DeviceType.CPU).deviceIndex(i);
    if (distributed.multiProcess()) {
      device.job(ClusterServer.JOB).replica(0).task(distributed.task());
    }
    return device.build();
  }

  /**
   * One op that makes every replica's variables (parameters, adapters, optimizer state; not the {@code own} ones,
   * each replica's own shards) global replica 0's, in every process: a broadcast written as a sum over the
   * replicas in which every replica but 0 contributes zeros (x + 0 = x exactly).
   */
  static Op syncFromFirst(List<Ops> scopes, List<TrainGraph.ReplicaStores> stores,
      DistributedSettings distributed, String hint, java.util.function.Predicate<String> own) {
    List<Op> assigns = new ArrayList<>();
    for (int i = 0; i < stores.size(); i++) {
      Ops tf = scopes.get(i).withSubScope("sync_from_replica0");
      boolean first = distributed.firstReplica() + i == 0;
      TrainGraph.ReplicaStores replica = stores.get(i);
      List<VariableStore.Variable> variables = new ArrayList<>();
      for (VariableStore store : List.of(replica.parameters(), replica.adapters(), replica.optimizerState())) {
        store.all().stream().filter(v -> !own.test(v.spec().name())).forEach(variables::add);
      }
      List<Operand<TFloat32>> contributions = new ArrayList<>();
      for (VariableStore.Variable v : variables) {
        // bf16-stored (frozen) weights travel as f32: bf16 → f32 → bf16 is exact, and x + 0 = x.
        Operand<TFloat32> value = VariableStore.readAsF32(tf, v);
        contributions.add(first ? value : tf.zerosLike(value));
      }
      List<Operand<TFloat32>> synced = new Collectives(distributed.replicas(), hint, SYNC_KEYS).sumInBuckets(tf,
          contributions, variables.stream().map(v -> v.spec().shape()).toList(), distributed.bucketBytes());
      for (int v = 0; v < variables.size(); v++) {
        assigns.add(VariableStore.assignFromF32(tf, variables.get(v), synced.get(v)));
      }
    }
    return scopes.get(0).withControlDependencies(assigns).withName("sync_from_replica0").noOp();
  }

  /** One op that completes only when every replica of every process has run it. */
  static Op barrier(List<Ops> scopes, int replicas, String hint) {
    List<Op> arrived = new ArrayList<>();
    for (Ops scope : scopes) {
      Ops tf = scope.withSubScope("barrier");
      arrived.add(tf.identity(new Collectives(replicas, hint, BARRIER_KEYS).sum(tf, tf.constant(1f))));
    }
    return scopes.get(0).withControlDependencies(arrived).withName("barrier").noOp();
  }
}
