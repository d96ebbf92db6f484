package io.liquidj.framework.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.TargetedSessions;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TInt32;

/**
 * The session helper in package org.tensorflow (it depends on TensorFlow Java 1.1.0's internals): a session
 * created for a server's target runs there, on the server's {@code /job:worker} devices, which a local session
 * does not have.
 */
class TargetedSessionsTest {
  @Test
  void aSessionRunsOnTheServerItTargets() throws IOException {
    String address = "127.0.0.1:" + freePort();
    ClusterServer.start(new DistributedSettings(1, DistributedSettings.Shard.NONE, 1 << 20, 30, List.of(address), 0),
        ConfigProto.getDefaultInstance());
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph).withDevice(DeviceSpec.newBuilder().job(ClusterServer.JOB).replica(0).task(0)
          .deviceType(DeviceSpec.DeviceType.CPU).deviceIndex(0).build());
      Operand<TInt32> sum = tf.math.add(tf.constant(2), tf.constant(3));
      try (Session remote = TargetedSessions.create(graph, "grpc://" + address, ConfigProto.getDefaultInstance());
          Result result = remote.runner().fetch(sum).run()) {
        assertEquals(5, ((TInt32) result.get(0)).getInt());
      }
      try (Session local = new Session(graph, ConfigProto.getDefaultInstance())) {
        assertThrows(RuntimeException.class, () -> local.runner().fetch(sum).run().close(),
            "a local session has no /job:worker device");
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
