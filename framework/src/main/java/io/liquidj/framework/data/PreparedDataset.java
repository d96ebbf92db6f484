package io.liquidj.framework.data;

import io.liquidj.framework.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** The shards of one prepared folder ({@code *.lqd}, in name order) as one indexed list of examples. */
public final class PreparedDataset {
  private final Path dir;
  private final List<Shard> shards;
  private final long[] starts;

  private PreparedDataset(Path dir, List<Shard> shards) {
    this.dir = dir;
    this.shards = shards;
    this.starts = new long[shards.size() + 1];
    for (int i = 0; i < shards.size(); i++) {
      starts[i + 1] = starts[i] + shards.get(i).size();
    }
  }

  /**
   * Maps every shard in {@code dir}, checking they were prepared with a text tokenizer of
   * {@code textVocabSize} ids and an image tokenizer of {@code numImageCodes} codes.
   */
  public static PreparedDataset open(Path dir, int textVocabSize, int numImageCodes) {
    if (!Files.isDirectory(dir)) {
      throw new UserError("data source " + dir + " is not a folder (expected the out folder of ./liquid prepare)");
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".lqd")).sorted().toList();
    } catch (IOException e) {
      throw new UserError("cannot list data source " + dir + ": " + e.getMessage(), e);
    }
    List<Shard> shards = files.stream().map(Shard::open).filter(s -> s.size() > 0).toList();
    for (Shard s : shards) {
      int vocab = s.header().path("text-vocab-size").asInt();
      if (vocab != textVocabSize) {
        throw new UserError(s.path() + " was prepared with a text tokenizer of " + vocab + " ids, this run's has "
            + textVocabSize + "; prepare the data again with the backbone's tokenizer");
      }
      int codebook = s.header().path("codebook-size").asInt();
      if (s.header().path("pairs").asInt() > 0 && codebook != numImageCodes) {
        throw new UserError(s.path() + " holds codes of a " + codebook + "-code image tokenizer, the model has "
            + numImageCodes + " image codes");
      }
    }
    PreparedDataset d = new PreparedDataset(dir, shards);
    if (d.size() == 0) {
      throw new UserError("data source " + dir + " holds no prepared examples (no non-empty .lqd shards)");
    }
    return d;
  }

  /** The folder. */
  public Path dir() {
    return dir;
  }

  /** Examples over all shards. */
  public long size() {
    return starts[starts.length - 1];
  }

  /** Example {@code i} of {@link #size()}. */
  public Example get(long i) {
    int s = Arrays.binarySearch(starts, i);
    s = s >= 0 ? s : -s - 2; // shards are non-empty, so starts are strictly increasing
    return shards.get(s).get((int) (i - starts[s]));
  }
}
