package io.liquidj.framework.distributed;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Server;
import org.tensorflow.Session;
import org.tensorflow.TargetedSessions;
import org.tensorflow.proto.ClusterDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.JobDef;
import org.tensorflow.proto.ServerDef;

/**
 * This process's TensorFlow server in a cluster of {@code distributed.cluster} (between-graph replication:
 * every process builds its own replicas, pinned to {@code /job:worker/replica:0/task:<task>/device:…}, and runs
 * them through a session on its own server; the collectives meet over gRPC). Task 0 leads the collective group
 * (without a leader the collectives never form: they time out).
 *
 * <p>TensorFlow cannot shut a server down cleanly ("Clean shutdown is not currently implemented"): a server
 * lives as long as the process, and a later run in the same process with the same cluster and task (resuming,
 * a test) gets the same server back, as its port is taken.
 */
public final class ClusterServer {
  public static final String JOB = "worker";
  /**
   * The servers this process started, by definition. Process-wide state on purpose: a server cannot be stopped,
   * and dropping the Java object would let its native handle be freed under a running server.
   */
  private static final Map<ServerDef, ClusterServer> STARTED = new HashMap<>();

  private final DistributedSettings settings;
  private final Server server;

  private ClusterServer(DistributedSettings settings, Server server) {
    this.settings = settings;
    this.server = server;
  }

  /**
   * Starts this task's server with {@code sessionConfig}'s devices and the group leader, or returns the one this
   * process already started with the same definition.
   */
  public static synchronized ClusterServer start(DistributedSettings settings, ConfigProto sessionConfig) {
    JobDef.Builder job = JobDef.newBuilder().setName(JOB);
    for (int t = 0; t < settings.cluster().size(); t++) {
      job.putTasks(t, settings.cluster().get(t));
    }
    String port = settings.cluster().get(settings.task());
    ServerDef def = ServerDef.newBuilder()
        .setCluster(ClusterDef.newBuilder().addJob(job))
        .setJobName(JOB)
        .setTaskIndex(settings.task())
        .setProtocol("grpc")
        .setPort(Integer.parseInt(port.substring(port.lastIndexOf(':') + 1)))
        .setDefaultSessionConfig(withLeader(sessionConfig, settings))
        .build();
    ClusterServer started = STARTED.get(def);
    if (started == null) {
      Server server = new Server(def);
      server.start();
      started = new ClusterServer(settings, server);
      STARTED.put(def, started);
    }
    return started;
  }

  /** The device prefix of this task's replicas: {@code /job:worker/replica:0/task:<task>}. */
  public static String taskPrefix(int task) {
    return "/job:" + JOB + "/replica:0/task:" + task;
  }

  /** A session on {@code graph} through this server, seeing only this task's devices. */
  public Session session(Graph graph, ConfigProto sessionConfig) {
    ConfigProto config = withLeader(sessionConfig, settings).toBuilder()
        .addDeviceFilters(taskPrefix(settings.task()))
        .build();
    return TargetedSessions.create(graph, "grpc://" + settings.cluster().get(settings.task()), config);
  }

  private static ConfigProto withLeader(ConfigProto config, DistributedSettings settings) {
    ConfigProto.Builder b = config.toBuilder();
    b.setExperimental(b.getExperimental().toBuilder().setCollectiveGroupLeader(taskPrefix(0)));
    return b.build();
  }

  /**
   * The other tasks whose port does not accept a connection within {@code timeoutMillis} each, as
   * {@code "task 1 (host:port)"}: after a failed step, which peer is gone.
   */
  public List<String> unreachablePeers(int timeoutMillis) {
    List<String> lost = new ArrayList<>();
    for (int t = 0; t < settings.cluster().size(); t++) {
      if (t == settings.task()) {
        continue;
      }
      String address = settings.cluster().get(t);
      int colon = address.lastIndexOf(':');
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(address.substring(0, colon),
            Integer.parseInt(address.substring(colon + 1))), timeoutMillis);
      } catch (IOException e) {
        lost.add("task " + t + " (" + address + ")");
      }
    }
    return lost;
  }
}
