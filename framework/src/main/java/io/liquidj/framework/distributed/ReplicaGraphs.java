package io.liquidj.framework.distributed;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.family.TType;

/**
 * Copies of one device-free graph, each pinned whole to one device.
 *
 * <p>{@code Graph.addGradients} gives the ops it creates no device, so a backward pass built in a scope
 * pinned to device i still runs mostly on device 0. A replica is therefore built once without devices in
 * a scratch graph, every node of its GraphDef is stamped with the device, and the copy is imported with
 * a name prefix (Graph.addGradients places gradient ops on no device, so building with withDevice left most of replica 1's backward pass on device 0). Variables are reached
 * through their {@code shared_name}, which the import keeps: a copy on device i reads device i's
 * variables.
 */
public final class ReplicaGraphs {
  private ReplicaGraphs() {}

  /** Imports {@code replica} into {@code target} under {@code prefix}/, every node on {@code device}. */
  public static void importOnDevice(Graph target, GraphDef replica, String prefix, String device) {
    GraphDef.Builder stamped = replica.toBuilder();
    for (NodeDef.Builder node : stamped.getNodeBuilderList()) {
      node.setDevice(device);
    }
    target.importGraphDef(stamped.build(), prefix);
  }

  /** The copy under {@code prefix}/ in {@code target} of {@code original} (an output of the scratch graph). */
  @SuppressWarnings("unchecked")
  public static <T extends TType> Output<T> importedOutput(Graph target, String prefix, Operand<T> original) {
    Output<T> output = original.asOutput();
    return (Output<T>) find(target, prefix, output.op().name()).output(output.index());
  }

  /** The copy under {@code prefix}/ in {@code target} of the operation {@code original}. */
  public static GraphOperation importedOperation(Graph target, String prefix, Op original) {
    return find(target, prefix, original.op().name());
  }

  private static GraphOperation find(Graph target, String prefix, String name) {
    GraphOperation op = target.operation(prefix + "/" + name);
    if (op == null) {
      throw new IllegalStateException("no imported operation " + prefix + "/" + name);
    }
    return op;
  }
}
