package io.liquidj.framework.train;

import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;

/** Whether (and how many) GPUs TensorFlow sees (for {@code trainer.precision = auto}, {@code distributed.devices = auto}). */
public final class GpuProbe {
  private GpuProbe() {}

  /**
   * Runs one constant pinned to {@code GPU:0} without soft placement: it runs only if TensorFlow has a
   * GPU device (on a CPU build or machine: "Cannot assign a device … CUDA is not enabled").
   */
  public static boolean gpuVisible() {
    return gpuVisible(0);
  }

  /** The number of GPUs TensorFlow sees (for {@code distributed.devices = auto}). */
  public static int gpuCount() {
    int n = 0;
    while (gpuVisible(n)) {
      n++;
    }
    return n;
  }

  private static boolean gpuVisible(int index) {
    try (Graph graph = new Graph();
        Session session = new Session(graph, ConfigProto.newBuilder().setAllowSoftPlacement(false)
            .setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true)).build())) {
      Ops tf = Ops.create(graph).withDevice(
          DeviceSpec.newBuilder().deviceType(DeviceSpec.DeviceType.GPU).deviceIndex(index).build());
      tf.withName("gpu_probe").constant(1);
      session.runner().fetch("gpu_probe").run().close();
      return true;
    } catch (TensorFlowException | IllegalArgumentException | IllegalStateException e) {
      return false;
    }
  }
}
