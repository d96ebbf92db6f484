package io.liquidj.framework.distributed;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import io.liquidj.framework.config.Settings;
import java.util.function.IntSupplier;

/**
 * The {@code distributed} section (see liquidj/trainer.conf for each key's meaning).
 *
 * @param devices replicas in this process (auto already resolved)
 * @param shard what each replica keeps only its share of
 * @param bucketBytes gradient bytes per all-reduce
 * @param timeoutSeconds how long one step may wait for its collectives
 */
public record DistributedSettings(int devices, Shard shard, long bucketBytes, int timeoutSeconds) {
  /** What the replicas split among themselves instead of each holding all of it. */
  public enum Shard {
    /** Nothing: plain data parallelism. */
    NONE,
    /** ZeRO-1: AdamW's moments (and the update's arithmetic); weights and gradients stay whole. */
    OPTIMIZER
  }

  public DistributedSettings {
    if (devices < 1 || bucketBytes < 1 || timeoutSeconds < 1) {
      throw new IllegalArgumentException("distributed settings must be positive, got devices " + devices
          + ", bucket bytes " + bucketBytes + ", timeout " + timeoutSeconds);
    }
  }

  /** One device, as before this section existed. */
  public static DistributedSettings single() {
    return new DistributedSettings(1, Shard.NONE, 32L << 20, 300);
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
      devices = Settings.positiveInt(config, "devices");
    } else {
      throw Settings.bad(config, "devices", "expected a positive number or auto");
    }
    Shard shard = Shard.valueOf(Settings.oneOf(config, "shard", "none", "optimizer").toUpperCase(java.util.Locale.ROOT));
    return new DistributedSettings(devices, shard, (long) Settings.positiveInt(config, "bucket-mib") << 20,
        Settings.positiveInt(config, "timeout-seconds"));
  }

  /** Whether more than one replica trains. */
  public boolean replicated() {
    return devices > 1;
  }
}
