package io.liquidj.framework.distributed;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;

/**
 * TensorFlow's collective ops for one replica of a group. Every replica
 * builds its collectives in the same order through its own instance: the i-th collective of each replica
 * gets the same instance key, which is what makes them one collective at run time.
 *
 * <p>The ops wait without a timeout of their own ({@code timeout_seconds = 0}); the run's
 * {@link #runOptions} time them out instead (a non-zero op timeout parks one thread per op and run).
 */
public final class Collectives {
  private static final int GROUP_KEY = 1;
  /** Any fixed non-zero key; CollectiveAllToAllV2 needs one on the run. */
  private static final long GRAPH_KEY = 7;

  private final int groupSize;
  private final String communicationHint;
  private int nextInstanceKey;

  /**
   * @param groupSize the number of replicas (over all processes)
   * @param communicationHint "nccl" on GPUs, "auto" elsewhere
   * @param firstInstanceKey the first collective's instance key; separate graphs' collectives in one session
   *     (the training step, the weight sync) take separate ranges
   */
  public Collectives(int groupSize, String communicationHint, int firstInstanceKey) {
    this.groupSize = groupSize;
    this.communicationHint = communicationHint;
    this.nextInstanceKey = firstInstanceKey;
  }

  /** The options every run of a graph with collectives needs: the graph key and the step's timeout. */
  public static RunOptions runOptions(int timeoutSeconds) {
    return RunOptions.newBuilder()
        .setTimeoutInMs(timeoutSeconds * 1000L)
        .setExperimental(RunOptions.Experimental.newBuilder().setCollectiveGraphKey(GRAPH_KEY))
        .build();
  }

  /** Σ over replicas of {@code x} (any shape f32), the same value on every replica. */
  public Operand<TFloat32> sum(Ops tf, Operand<TFloat32> x) {
    return build(tf, "CollectiveReduceV2", "all_reduce", x, true);
  }

  /**
   * x: [N, s] → [N, s] whose row j is replica j's row i (on replica i): the reduce-scatter's exchange
   * (CollectiveReduceScatterV2 has no CPU kernel; the caller sums the rows).
   */
  public Operand<TFloat32> allToAll(Ops tf, Operand<TFloat32> x) {
    return build(tf, "CollectiveAllToAllV2", "all_to_all", x, false);
  }

  /** x: [s] → [N·s], the replicas' x concatenated in replica order. */
  public Operand<TFloat32> gather(Ops tf, Operand<TFloat32> x) {
    return build(tf, "CollectiveGatherV2", "all_gather", x, false);
  }

  private Operand<TFloat32> build(Ops tf, String type, String name, Operand<TFloat32> x, boolean reduce) {
    var builder = tf.scope().opBuilder(type, name)
        .addInput(x.asOutput())
        .addInput(tf.constant(groupSize).asOutput())
        .addInput(tf.constant(GROUP_KEY).asOutput())
        .addInput(tf.constant(nextInstanceKey++).asOutput())
        .addInputList(new Output<?>[0])
        .setAttr("communication_hint", communicationHint)
        .setAttr("timeout_seconds", 0f);
    if (reduce) {
      builder.setAttr("merge_op", "Add").setAttr("final_op", "Id");
    }
    Output<?> out = builder.build().output(0);
    @SuppressWarnings("unchecked")
    Output<TFloat32> typed = (Output<TFloat32>) out;
    return typed;
  }

  /**
   * Σ over replicas of each of {@code xs}, one collective per bucket of about {@code bucketBytes}: the
   * tensors of a bucket are flattened and concatenated, reduced together and split back
   * (measured: 200 small tensors 14 ms in buckets vs 40 ms one by one). A bucket starts once the one before
   * is reduced, so that one bucket's copies exist at a time, not every bucket's at once.
   */
  public List<Operand<TFloat32>> sumInBuckets(Ops tf, List<Operand<TFloat32>> xs, List<long[]> shapes,
      long bucketBytes) {
    List<Operand<TFloat32>> out = new ArrayList<>();
    Ops chained = tf;
    for (int[] bucket : buckets(shapes, bucketBytes)) {
      List<Operand<TFloat32>> reduced = sumBucket(chained, xs.subList(bucket[0], bucket[1]),
          shapes.subList(bucket[0], bucket[1]));
      out.addAll(reduced);
      chained = tf.withControlDependencies(List.of(reduced.get(0)));
    }
    return out;
  }

  /** [start, end) ranges of consecutive tensors of about {@code bucketBytes} f32 each (at least one tensor). */
  public static List<int[]> buckets(List<long[]> shapes, long bucketBytes) {
    List<int[]> out = new ArrayList<>();
    int start = 0;
    while (start < shapes.size()) {
      int end = start;
      long bytes = 0;
      while (end < shapes.size() && (end == start || bytes + sizeOf(shapes.get(end)) * Float.BYTES <= bucketBytes)) {
        bytes += sizeOf(shapes.get(end)) * Float.BYTES;
        end++;
      }
      out.add(new int[] {start, end});
      start = end;
    }
    return out;
  }

  private List<Operand<TFloat32>> sumBucket(Ops tf, List<Operand<TFloat32>> xs, List<long[]> shapes) {
    if (xs.size() == 1) {
      return List.of(sum(tf, xs.get(0)));
    }
    List<Operand<TFloat32>> flat = new ArrayList<>();
    int[] sizes = new int[xs.size()];
    for (int i = 0; i < xs.size(); i++) {
      flat.add(tf.reshape(xs.get(i), tf.constant(new int[] {-1})));
      sizes[i] = Math.toIntExact(sizeOf(shapes.get(i)));
    }
    Operand<TFloat32> reduced = sum(tf, tf.concat(flat, tf.constant(0)));
    List<Operand<TFloat32>> out = new ArrayList<>();
    var parts = tf.splitV(reduced, tf.constant(sizes), tf.constant(0), (long) sizes.length).output();
    for (int i = 0; i < xs.size(); i++) {
      out.add(tf.reshape(parts.get(i), tf.constant(shapes.get(i))));
    }
    return out;
  }

  private static long sizeOf(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }
}
