package io.liquidj.framework.train;

import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;

/** Whether TensorFlow sees a GPU (for {@code trainer.precision = auto}). */
public final class GpuProbe {
  private GpuProbe() {}

  /**
   * Runs one constant pinned to {@code GPU:0} without soft placement: it runs only if TensorFlow has a
   * GPU device (on a CPU build or machine: "Cannot assign a device … CUDA is not enabled").
   */
  public static boolean gpuVisible() {
    try (Graph graph = new Graph();
        Session session = new Session(graph, ConfigProto.newBuilder().setAllowSoftPlacement(false)
            .setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true)).build())) {
      Ops tf = Ops.create(graph).withDevice(
          DeviceSpec.newBuilder().deviceType(DeviceSpec.DeviceType.GPU).deviceIndex(0).build());
      tf.withName("gpu_probe").constant(1);
      session.runner().fetch("gpu_probe").run().close();
      return true;
    } catch (TensorFlowException | IllegalArgumentException | IllegalStateException e) {
      return false;
    }
  }
}
