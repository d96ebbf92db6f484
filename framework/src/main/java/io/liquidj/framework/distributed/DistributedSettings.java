package io.liquidj.framework.distributed;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import io.liquidj.framework.config.ConfigReads;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * The {@code distributed} section (see liquidj/trainer.conf for each key's meaning).
 *
 * @param devices replicas in this process (auto already resolved)
 * @param shard what each replica keeps only its share of
 * @param bucketBytes gradient bytes per all-reduce
 * @param timeoutSeconds how long one step may wait for its collectives
 * @param cluster {@code host:port} of every process (task), empty for a single process
 * @param task this process's index in {@code cluster}; task 0 leads the collective group and writes
 */
public record DistributedSettings(int devices, Shard shard, long bucketBytes, int timeoutSeconds, List<String> cluster,
    int task) {
  /** What the replicas split among themselves instead of each holding all of it. */
  public enum Shard {
    /** Nothing: plain data parallelism. */
    NONE,
    /** ZeRO-1: AdamW's moments (and the update's arithmetic); weights and gradients stay whole. */
    OPTIMIZER,
    /**
     * ZeRO-3: the parameters too; each layer's weights are gathered when it runs, forward and (recomputed)
     * backward, and not kept.
     */
    PARAMETERS
  }

  public DistributedSettings {
    cluster = List.copyOf(cluster);
    if (devices < 1 || bucketBytes < 1 || timeoutSeconds < 1) {
      throw new IllegalArgumentException("distributed settings must be positive, got devices " + devices
          + ", bucket bytes " + bucketBytes + ", timeout " + timeoutSeconds);
    }
    if (task < 0 || task >= Math.max(1, cluster.size())) {
      throw new IllegalArgumentException("distributed.task " + task + " outside the cluster of " + cluster.size());
    }
  }

  /** One device, as before this section existed. */
  public static DistributedSettings single() {
    return new DistributedSettings(1, Shard.NONE, 32L << 20, 300, List.of(), 0);
  }

  /**
   * Reads {@code config} (the {@code distributed} section).
   *
   * @param gpuCount the number of GPUs TensorFlow sees, asked only for {@code devices = auto}
   */
  public static DistributedSettings from(Config config, IntSupplier gpuCount) {
    int devices;
    if (config.getValue("devices").valueType() == ConfigValueType.STRING
        && config.getString("devices").equals("auto")) {
      devices = Math.max(1, gpuCount.getAsInt());
    } else if (config.getValue("devices").valueType() == ConfigValueType.NUMBER) {
      devices = ConfigReads.positiveInt(config, "devices");
    } else {
      throw ConfigReads.bad(config, "devices", "expected a positive number or auto");
    }
    Shard shard = Shard.valueOf(ConfigReads.oneOf(config, "shard", "none", "optimizer", "parameters")
        .toUpperCase(Locale.ROOT));
    List<String> cluster = config.getStringList("cluster");
    if (shard == Shard.PARAMETERS && cluster.size() > 1) {
      throw ConfigReads.bad(config, "shard", "parameters shards over the devices of one process (distributed.devices); "
          + "with distributed.cluster use none or optimizer");
    }
    for (String address : cluster) {
      if (!address.matches("[^:/\\s]+:\\d{1,5}")) {
        throw ConfigReads.bad(config, "cluster", "expected host:port entries, got \"" + address + "\"");
      }
    }
    if (cluster.size() != cluster.stream().distinct().count()) {
      throw ConfigReads.bad(config, "cluster", "an address appears twice in " + cluster);
    }
    int task = ConfigReads.nonNegativeInt(config, "task");
    if (task >= Math.max(1, cluster.size())) {
      throw ConfigReads.bad(config, "task", "must index distributed.cluster (" + cluster.size() + " entries), got " + task);
    }
    return new DistributedSettings(devices, shard, (long) ConfigReads.positiveInt(config, "bucket-mib") << 20,
        ConfigReads.positiveInt(config, "timeout-seconds"), cluster, task);
  }

  /** The processes training together (1 without a cluster). */
  public int processes() {
    return Math.max(1, cluster.size());
  }

  /** Whether this process is one of several (a cluster of servers). */
  public boolean multiProcess() {
    return !cluster.isEmpty();
  }

  /** Replicas over all processes: devices × processes. */
  public int replicas() {
    return devices * processes();
  }

  /** The global index of this process's first replica (replicas are numbered task by task). */
  public int firstReplica() {
    return task * devices;
  }

  /** Whether this process writes checkpoints, logs and the exported model (task 0). */
  public boolean chief() {
    return task == 0;
  }

  /** Whether more than one replica trains. */
  public boolean replicated() {
    return replicas() > 1;
  }
}
