package io.liquidj.framework.train;

import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.distributed.Collectives;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.VariableStore;
import io.liquidj.framework.tf.Weights;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * ZeRO-3 (Rajbhandari et al. 2020, stage 3; DeepSpeed {@code zero_optimization.stage = 3}, FSDP's
 * {@code FULL_SHARD}): {@code distributed.shard = parameters}. Replica r of N holds elements [r·s, (r+1)·s) of
 * every flattened, zero-padded parameter (s = ⌈size/N⌉) as a variable of shape [s] under the parameter's
 * name; AdamW's moments follow that shape, so weights, gradients and optimizer state all take 1/N per replica.
 *
 * <ul>
 *   <li><b>Forward</b>: a layer's weights are all-gathered from the shards when the layer's input exists
 *       ({@link Gathered#after}), used, and dropped.
 *   <li><b>Backward</b>: the layers are recomputed ({@link RecomputedLayers}); each rebuilt layer gathers its
 *       weights again once the gradient of its output exists, and the gradients are taken with respect to that
 *       second gather. The embedding and the head are differentiated through the forward pass's gathers.
 *   <li><b>Update</b>: each full gradient is summed over the replicas and split so that replica r keeps its
 *       shard ({@link #reduceScatter}); AdamW updates the shard in place.
 * </ul>
 * The arithmetic is plain data parallelism's element by element (the recomputation only reorders sums).
 */
final class ParameterShards {
  private ParameterShards() {}

  /** The shard length of a parameter of {@code size} elements over {@code replicas}: ⌈size/N⌉. */
  static int shardSize(long size, int replicas) {
    return Math.toIntExact((size + replicas - 1) / replicas);
  }

  /** Replica shards' variable spec: the parameter's name and init kind, shape [⌈size/N⌉]. */
  static ParameterSpec shardSpec(ParameterSpec full, int replicas) {
    return new ParameterSpec(full.name(), new long[] {shardSize(full.size(), replicas)}, full.init());
  }

  /** Creates a replica's shard variables in {@code tf} (filled by {@link #load}, not by an initializer). */
  static VariableStore createShards(Ops tf, Backbone backbone, int replicas, Function<String, Precision> storage) {
    VariableStore store = new VariableStore(tf);
    for (ParameterSpec spec : backbone.parameters()) {
      store.create(shardSpec(spec, replicas), VariableStore.ZEROS, storage.apply(spec.name()).readOnlyWeightType());
    }
    return store;
  }

  /**
   * Fills this process's replicas' shards: {@code loader} fills whole variables in a staging graph of its own
   * (host memory, released afterwards), and each replica receives its slice of every parameter.
   *
   * @param shards this process's replicas' shard stores; the i-th is global replica {@code firstReplica + i}
   */
  static void load(TrainingRun.ParameterLoader loader, Backbone backbone, long seed,
      Function<String, Precision> storage, Session session, List<VariableStore> shards, int firstReplica,
      int replicas) {
    try (Graph staging = new Graph()) {
      Ops s = Ops.create(staging);
      VariableStore whole = BackboneVariables.create(s, backbone, seed, storage);
      VariableStore.GraphWeights reads = whole.weights();
      Map<String, List<Operand<TFloat32>>> slices = new LinkedHashMap<>();
      for (ParameterSpec spec : backbone.parameters()) {
        int shard = shardSize(spec.size(), replicas);
        Operand<TFloat32> flat = OptimizerShards.flat(s, List.of(reads.get(spec.name())), Math.toIntExact((long) shard * replicas - spec.size()));
        List<Operand<TFloat32>> parts = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
          parts.add(s.slice(flat, s.constant(new int[] {(firstReplica + i) * shard}), s.constant(new int[] {shard})));
        }
        slices.put(spec.name(), parts);
      }
      try (Session stagingSession = new Session(staging)) {
        loader.load(stagingSession, whole);
        for (var e : slices.entrySet()) {
          Session.Runner runner = stagingSession.runner();
          e.getValue().forEach(runner::fetch);
          try (var values = runner.run()) {
            for (int i = 0; i < shards.size(); i++) {
              shards.get(i).assign(session, e.getKey(), (TFloat32) values.get(i));
            }
          }
        }
      }
    }
  }

  /** The whole parameter from its gathered [N·s] shards: the first size elements in its shape. */
  private static Operand<TFloat32> whole(Ops tf, Operand<TFloat32> gathered, ParameterSpec spec) {
    return tf.reshape(tf.slice(gathered, tf.constant(new int[] {0}), tf.constant(new int[] {(int) spec.size()})),
        tf.constant(spec.shape()));
  }

  /**
   * Weights all-gathered from a replica's shards when read: one gather per name and instance (a layer's
   * {@link #after} makes a new instance, so every piece of the network gathers its own copy).
   */
  static final class Gathered implements Weights {
    private final Ops tf;
    private final VariableStore.GraphWeights shards;
    private final Map<String, ParameterSpec> specs;
    private final Collectives collectives;
    private final Set<String> names;
    private final Map<String, Operand<TFloat32>> gathered = new LinkedHashMap<>();

    /**
     * @param shards the shard variables' reads (in a scratch graph imported per replica: function reads)
     * @param specs the parameters' whole specs
     * @param collectives the gathers' instance keys (one range for the whole pass)
     */
    Gathered(Ops tf, VariableStore.GraphWeights shards, List<ParameterSpec> specs, Collectives collectives) {
      this(tf, shards, byName(specs), collectives, new LinkedHashSet<>());
    }

    private Gathered(Ops tf, VariableStore.GraphWeights shards, Map<String, ParameterSpec> specs,
        Collectives collectives, Set<String> names) {
      this.tf = tf;
      this.shards = shards;
      this.specs = specs;
      this.collectives = collectives;
      this.names = names;
    }

    /** The same weights gathered anew, each gather starting only once {@code trigger} exists. */
    Gathered after(Operand<?> trigger) {
      return new Gathered(tf.withControlDependencies(List.of(trigger)), shards, specs, collectives, names);
    }

    @Override
    public Operand<TFloat32> get(String name) {
      return gathered.computeIfAbsent(name, n -> {
        names.add(n);
        return whole(tf, collectives.gather(tf, shards.get(n)), specs.get(n));
      });
    }

    /** Every parameter any instance gathered so far (the ones the pass uses). */
    Set<String> names() {
      return names;
    }
  }

  /**
   * The whole parameters as reads of the local replicas' shards, concatenated (one process holds every
   * replica): for export and for reading a trained value.
   */
  static Weights whole(Ops tf, List<VariableStore> shards, List<ParameterSpec> specs) {
    Map<String, ParameterSpec> byName = byName(specs);
    List<VariableStore.GraphWeights> reads = shards.stream().map(VariableStore::weights).toList();
    Map<String, Operand<TFloat32>> cache = new LinkedHashMap<>();
    return name -> cache.computeIfAbsent(name, n -> {
      List<Operand<TFloat32>> parts = reads.stream().map(r -> r.get(n)).toList();
      return whole(tf, parts.size() == 1 ? parts.get(0) : tf.concat(parts, tf.constant(0)), byName.get(n));
    });
  }

  /**
   * Σ over replicas of each whole gradient, of which this replica keeps its shard [s]: per bucket of about
   * {@code bucketBytes}, the padded gradients as [N, Σs] rows, exchanged all-to-all (CollectiveReduceScatterV2
   * has no CPU kernel on TensorFlow 2.18) and summed over the rows.
   */
  static List<Operand<TFloat32>> reduceScatter(Ops tf, int replicas, List<Operand<TFloat32>> gradients,
      List<ParameterSpec> specs, long bucketBytes, Collectives collectives) {
    List<Operand<TFloat32>> out = new ArrayList<>();
    Ops chained = tf; // one bucket's copies at a time, as Collectives.sumInBuckets
    for (int[] range : Collectives.buckets(specs.stream().map(ParameterSpec::shape).toList(), bucketBytes)) {
      List<Operand<TFloat32>> rows = new ArrayList<>();
      int[] sizes = new int[range[1] - range[0]];
      for (int i = range[0]; i < range[1]; i++) {
        int shard = shardSize(specs.get(i).size(), replicas);
        sizes[i - range[0]] = shard;
        rows.add(chained.reshape(
            OptimizerShards.flat(chained, List.of(gradients.get(i)), Math.toIntExact((long) shard * replicas - specs.get(i).size())),
            chained.constant(new int[] {replicas, shard})));
      }
      Operand<TFloat32> bucket = rows.size() == 1 ? rows.get(0) : tf.concat(rows, tf.constant(1)); // [N, Σs]
      Operand<TFloat32> summed = tf.reduceSum(collectives.allToAll(tf, bucket), tf.constant(0)); // [Σs]
      if (sizes.length == 1) {
        out.add(summed);
      } else {
        out.addAll(tf.splitV(summed, tf.constant(sizes), tf.constant(0), (long) sizes.length).output());
      }
      chained = tf.withControlDependencies(List.of(summed));
    }
    return out;
  }

  private static Map<String, ParameterSpec> byName(List<ParameterSpec> specs) {
    Map<String, ParameterSpec> byName = new LinkedHashMap<>();
    specs.forEach(s -> byName.put(s.name(), s));
    return byName;
  }
}
