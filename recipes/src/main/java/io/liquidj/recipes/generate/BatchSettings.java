package io.liquidj.recipes.generate;

import com.typesafe.config.Config;
import io.liquidj.framework.config.ConfigReads;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@code ./liquid generate prompts=…} and {@code ./liquid answer questions=…} work through.
 *
 * @param prompts the prompts file, if any
 * @param questions the questions file, if any
 * @param imageFolder the folder of the questions' images, if not the questions file's
 * @param batchSize prompts or questions per model call
 * @param shard this process's index i of {@code shards}
 * @param shards processes sharing the file
 */
record BatchSettings(Optional<Path> prompts, Optional<Path> questions, Optional<Path> imageFolder, int batchSize,
    int shard, int shards) {

  /** Reads the root configuration. */
  static BatchSettings from(Config root) {
    Config g = root.getConfig("generate");
    String shard = g.getString("shard");
    String[] parts = shard.split("/");
    int i;
    int n;
    try {
      i = Integer.parseInt(parts[0].strip());
      n = Integer.parseInt(parts.length == 2 ? parts[1].strip() : "x");
    } catch (NumberFormatException e) {
      throw ConfigReads.bad(g, "shard", "must be \"i/n\" with 0 <= i < n, e.g. \"0/4\", got \"" + shard + "\"");
    }
    if (n <= 0 || i < 0 || i >= n) {
      throw ConfigReads.bad(g, "shard", "must be \"i/n\" with 0 <= i < n, e.g. \"0/4\", got \"" + shard + "\"");
    }
    return new BatchSettings(ConfigReads.optionalPath(root, "prompts"), ConfigReads.optionalPath(root, "questions"),
        ConfigReads.optionalPath(root, "image-folder"), ConfigReads.positiveInt(g, "batch-size"), i, n);
  }

  /** The entries of {@code all} that are this shard's: index % shards == shard. */
  <T> List<T> mine(List<T> all) {
    return java.util.stream.IntStream.range(0, all.size()).filter(k -> k % shards == shard).mapToObj(all::get).toList();
  }
}
