package io.liquidj.framework.data;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.liquidj.framework.config.ConfigReads;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How training sequences are drawn and packed ({@code data} in {@code liquidj/data.conf}).
 *
 * @param sources prepared folders with their mixing ratios (normalised to sum to 1)
 * @param maxLength tokens per packed row
 * @param seed seed of every draw (source, example order, reverse, CFG dropout)
 * @param reverseRatio probability that a pair becomes an image→text sequence (1 − the release's {@code T2I_ratio})
 * @param cfgDropout probability that a text→image caption is replaced by {@code <unconditional>}
 * @param lossOn which targets carry loss
 * @param t2iSuffixes the instructions after the caption of a text→image sequence, one drawn uniformly per sequence
 * @param i2tPrefix text between {@code <eoi>} and the caption of an image→text sequence
 * @param rank this data-parallel worker
 * @param worldSize data-parallel workers
 */
public record DataSettings(
    List<Source> sources,
    int maxLength,
    long seed,
    double reverseRatio,
    double cfgDropout,
    LossOn lossOn,
    List<String> t2iSuffixes,
    String i2tPrefix,
    int rank,
    int worldSize) {

  /** Which targets of a sequence are trained on. */
  public enum LossOn {
    /** Codes, eoi, eos of text→image; caption and eos of image→text; text and eos of text documents. */
    TEMPLATE,
    /** Every target inside a document. */
    ALL
  }

  /**
   * One prepared folder and its share of the documents.
   *
   * @param name for messages (the folder's name unless given)
   * @param path the folder written by {@code ./liquid prepare}
   * @param ratio its share of documents (before normalisation)
   */
  public record Source(String name, Path path, double ratio) {}

  public DataSettings {
    sources = List.copyOf(sources);
    t2iSuffixes = List.copyOf(t2iSuffixes);
    if (t2iSuffixes.isEmpty()) {
      throw new IllegalArgumentException("t2iSuffixes is empty");
    }
    if (rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException("rank " + rank + " outside [0, " + worldSize + ")");
    }
  }

  /** Reads and validates the {@code data} section. */
  public static DataSettings from(Config data) {
    List<Source> sources = new ArrayList<>();
    List<? extends Config> list;
    try {
      list = data.getConfigList("sources");
    } catch (ConfigException.WrongType e) {
      throw ConfigReads.bad(data, "sources", "must be a list of { path = \"prepared/folder\", ratio = 0.5 }");
    }
    for (Config s : list) {
      if (!s.hasPath("path")) {
        throw ConfigReads.bad(data, "sources", "every source needs a path (a folder written by ./liquid prepare)");
      }
      Path path = Path.of(s.getString("path"));
      double ratio = s.hasPath("ratio") ? ConfigReads.positive(s, "ratio") : 1.0;
      String name = s.hasPath("name") ? s.getString("name") : String.valueOf(path.getFileName());
      sources.add(new Source(name, path, ratio));
    }
    int worldSize = ConfigReads.positiveInt(data, "world-size");
    int rank = ConfigReads.nonNegativeInt(data, "rank");
    if (rank >= worldSize) {
      throw ConfigReads.bad(data, "rank", "must be below world-size " + worldSize + ", got " + rank);
    }
    LossOn lossOn = LossOn.valueOf(ConfigReads.oneOf(data, "loss-on", "template", "all").toUpperCase(java.util.Locale.ROOT));
    return new DataSettings(
        sources, ConfigReads.positiveInt(data, "max-length"), data.getLong("seed"),
        ConfigReads.probability(data, "reverse-ratio"), ConfigReads.probability(data, "cfg-dropout"), lossOn,
        t2iSuffixes(data), data.getString("i2t-prefix"), rank, worldSize);
  }

  /** The same settings for data-parallel worker {@code rank} of {@code worldSize}. */
  public DataSettings withWorker(int rank, int worldSize) {
    return new DataSettings(sources, maxLength, seed, reverseRatio, cfgDropout, lossOn, t2iSuffixes, i2tPrefix, rank, worldSize);
  }

  /** {@code t2i-suffix}: a non-empty list of instructions. */
  private static List<String> t2iSuffixes(Config data) {
    List<String> list;
    try {
      list = data.getStringList("t2i-suffix");
    } catch (ConfigException.WrongType e) {
      throw ConfigReads.bad(data, "t2i-suffix", "must be a list of instructions, e.g. [\" Generate an image based on this description.\"]");
    }
    if (list.isEmpty()) {
      throw ConfigReads.bad(data, "t2i-suffix", "must hold at least one instruction");
    }
    return list;
  }
}
