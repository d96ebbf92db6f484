package io.liquidj.framework.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.tokenizer.TextTokenizer;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training batches from prepared shards: documents drawn by mixing ratio, laid out by
 * {@link SequenceBuilder}, packed into rows of {@code max-length}.
 *
 * <p><b>Order.</b> Global document g draws, from a generator seeded by (seed, g), its source (by
 * ratio), then whether a pair is reversed (image→text) and, if not, whether its caption is dropped
 * for CFG and which instruction follows it ({@link SequenceBuilder#layout}). Each source hands out its examples in a fresh seeded permutation per epoch. Worker
 * {@code rank} of {@code world-size} takes the documents with {@code g % world-size == rank}, so
 * workers never overlap and together leave no gap; every worker still walks all draws so each
 * source's epoch order is the same everywhere.
 *
 * <p><b>Packing.</b> Documents fill rows, each its own segment (ids from 1) with positions
 * restarting at 0; a document's last target and padding carry no loss. Text documents are split at
 * a row end (the rest goes into the next row as a new segment, positions restart: no token is
 * dropped); image sequences are never split. An image sequence that does not fit the rest of a row
 * is <i>deferred</i>: it waits in a small FIFO queue (at most {@value #LOOK_AHEAD} documents) while
 * later documents fill the gap, and goes into the first row with room for it. Each row takes, in
 * this order: deferred documents that fit (oldest first), the rest of a split text, then new
 * documents. Only when the queue is full and the next image sequence does not fit is the rest of a
 * row padded ({@code <eos>} ids, segment 0). Documents are thus placed at most a few documents away
 * from their draw order, and the mixing ratios are those of the draws.
 *
 * <p><b>Position.</b> {@link #position()} is a small JSON object (next global document, per-source
 * draw counts, the partly placed text, the deferred queue); {@link #seek} restores it exactly.
 */
public final class PackedBatchSource implements BatchSource {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int POSITION_VERSION = 2;
  /**
   * Image sequences that may wait for a row with room. A handful suffices: the queue only has to
   * bridge the text that fills one gap (rows rarely hold more than a few image sequences).
   */
  static final int LOOK_AHEAD = 8;

  private final DataSettings settings;
  private final List<PreparedDataset> sources;
  private final double[] cumulativeRatio;
  private final SequenceBuilder sequences;
  private final int batchSize;
  private final int padId;
  private final int[][] permutations;
  private final long[] permutationEpochs;

  private long nextDoc;
  private long[] drawn;
  /** The text document split at a row end, or null. */
  private Pending pending;
  /** Drawn image sequences waiting for a row with room, oldest first (at most LOOK_AHEAD). */
  private final ArrayDeque<Pending> deferred = new ArrayDeque<>();
  /** This worker's documents drawn since it was opened, by layout (not part of the position). */
  private final java.util.EnumMap<Document.Layout, Long> layoutCounts = new java.util.EnumMap<>(Document.Layout.class);

  /** A drawn document not yet wholly placed: what rebuilds it, and how many of its tokens are in rows. */
  private record Pending(int source, long example, long doc, Document document, int offset) {
    Pending advance(int n) {
      return new Pending(source, example, doc, document, offset + n);
    }

    int remaining() {
      return document.length() - offset;
    }
  }

  PackedBatchSource(DataSettings settings, List<PreparedDataset> sources, SequenceBuilder sequences, int padId, int batchSize) {
    if (sources.isEmpty()) {
      throw new UserError("data.sources is empty: list the prepared folders, e.g. "
          + "data.sources = [{ path = \"prepared/pairs\", ratio = 0.5 }, { path = \"prepared/text\", ratio = 0.5 }]");
    }
    this.settings = settings;
    this.sources = List.copyOf(sources);
    this.sequences = sequences;
    this.batchSize = batchSize;
    this.padId = padId;
    double total = settings.sources().stream().mapToDouble(DataSettings.Source::ratio).sum();
    this.cumulativeRatio = new double[sources.size()];
    double sum = 0;
    for (int i = 0; i < sources.size(); i++) {
      sum += settings.sources().get(i).ratio() / total;
      cumulativeRatio[i] = sum;
    }
    cumulativeRatio[sources.size() - 1] = 1.0;
    this.permutations = new int[sources.size()][];
    this.permutationEpochs = new long[sources.size()];
    Arrays.fill(permutationEpochs, -1);
    this.drawn = new long[sources.size()];
  }

  /** Opens the prepared folders of {@code settings.sources()} for batches of {@code batchSize} rows. */
  public static PackedBatchSource open(
      DataSettings settings, MultimodalVocabulary vocabulary, TextTokenizer tokenizer, int batchSize) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
    }
    // The text ids below the image codes: the specials registered past the codes (<boi> …) are not the data's.
    int textVocabSize = Math.min(tokenizer.size(), vocabulary.imageCodeOffset());
    List<PreparedDataset> datasets = new ArrayList<>();
    for (DataSettings.Source s : settings.sources()) {
      datasets.add(PreparedDataset.open(s.path(), textVocabSize, vocabulary.numImageCodes()));
    }
    SequenceBuilder sequences = new SequenceBuilder(vocabulary, tokenizer, settings);
    int pad = tokenizer.eosId().orElseThrow(() -> new UserError("the text tokenizer has no end-of-sequence token"));
    return new PackedBatchSource(settings, datasets, sequences, pad, batchSize);
  }

  /** This worker's documents drawn since this source was opened, by layout ({@code ./liquid show-data}). */
  public java.util.Map<Document.Layout, Long> layoutCounts() {
    return java.util.Map.copyOf(layoutCounts);
  }

  @Override
  public Batch next() {
    int length = settings.maxLength();
    int n = batchSize * length;
    int[] inputIds = new int[n];
    int[] targetIds = new int[n];
    int[] positions = new int[n];
    int[] segmentIds = new int[n];
    float[] lossWeights = new float[n];
    Arrays.fill(inputIds, padId);
    Arrays.fill(targetIds, padId);
    for (int row = 0; row < batchSize; row++) {
      fillRow(row * length, length, inputIds, targetIds, positions, segmentIds, lossWeights);
    }
    return new Batch(batchSize, length, inputIds, targetIds, positions, segmentIds, lossWeights);
  }

  private void fillRow(int base, int length, int[] inputIds, int[] targetIds, int[] positions, int[] segmentIds,
      float[] lossWeights) {
    int pos = 0;
    int segment = 0;
    while (pos < length) {
      Pending next = nextPlacement(length - pos);
      if (next == null) {
        break; // the look-ahead queue is full of image sequences that do not fit: pad the rest
      }
      int take = Math.min(next.remaining(), length - pos);
      segment++;
      int[] tokens = next.document().tokens();
      boolean[] trained = next.document().trained();
      int from = next.offset();
      int at = base + pos;
      for (int i = 0; i < take; i++) {
        inputIds[at + i] = tokens[from + i];
        positions[at + i] = i;
        segmentIds[at + i] = segment;
        if (i + 1 < take) {
          targetIds[at + i] = tokens[from + i + 1];
          lossWeights[at + i] = trained[from + i + 1] ? 1f : 0f;
        }
      }
      if (take < next.remaining()) {
        pending = next.advance(take); // a text split at the row end
      } else if (next == pending) {
        pending = null;
      }
      pos += take;
    }
  }

  /**
   * The document to place next in {@code space} tokens, or null to pad: the oldest deferred one that
   * fits, else the split text, else a newly drawn one that fits or can be split (image sequences that
   * do not fit are deferred while the queue has room). A returned document larger than {@code space}
   * is a text to split.
   */
  private Pending nextPlacement(int space) {
    for (Iterator<Pending> it = deferred.iterator(); it.hasNext(); ) {
      Pending d = it.next();
      if (d.remaining() <= space) {
        it.remove();
        return d;
      }
    }
    if (pending != null) {
      return pending;
    }
    while (true) {
      Pending d = nextLocalDocument();
      if (d.remaining() <= space || d.document().splittable() || space == settings.maxLength()) {
        return d; // whole documents are at most max-length (SequenceBuilder), so an empty row takes any
      }
      deferred.addLast(d);
      if (deferred.size() >= LOOK_AHEAD) {
        return null;
      }
    }
  }

  /** The next document of this worker, advancing the global draw counters past other workers' documents. */
  private Pending nextLocalDocument() {
    while (true) {
      long g = nextDoc++;
      int source = sourceOf(g);
      long k = drawn[source]++;
      if (g % settings.worldSize() == settings.rank()) {
        long example = exampleIndex(source, k);
        Pending p = new Pending(source, example, g, build(source, example, g), 0);
        layoutCounts.merge(p.document().layout(), 1L, Long::sum);
        return p;
      }
    }
  }

  private int sourceOf(long doc) {
    double u = random(doc).nextDouble();
    for (int i = 0; i < cumulativeRatio.length; i++) {
      if (u < cumulativeRatio[i]) {
        return i;
      }
    }
    return cumulativeRatio.length - 1;
  }

  /** Document {@code doc}, example {@code example} of {@code source}, laid out with doc's own draws. */
  private Document build(int source, long example, long doc) {
    SplittableRandom random = random(doc);
    random.nextDouble(); // the source draw
    return sequences.layout(sources.get(source).get(example), random);
  }

  private SplittableRandom random(long doc) {
    return new SplittableRandom(mix(settings.seed() * 0x9E3779B97F4A7C15L + doc));
  }

  /** The k-th draw of a source: epoch k / size, shuffled by a permutation seeded by (seed, source, epoch). */
  private long exampleIndex(int source, long k) {
    long size = sources.get(source).size();
    long epoch = k / size;
    if (permutationEpochs[source] != epoch) {
      if (size > Integer.MAX_VALUE) {
        throw new UserError("data source " + sources.get(source).dir() + " has more than 2^31 examples; split it");
      }
      int[] p = new int[(int) size];
      for (int i = 0; i < p.length; i++) {
        p[i] = i;
      }
      SplittableRandom r = new SplittableRandom(mix(mix(settings.seed() ^ 0x5DEECE66DL) + 31L * source + epoch));
      for (int i = p.length - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
      permutations[source] = p;
      permutationEpochs[source] = epoch;
    }
    return permutations[source][(int) (k % size)];
  }

  /** The murmur3 64-bit finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  @Override
  public String position() {
    ObjectNode p = JSON.createObjectNode();
    p.put("version", POSITION_VERSION);
    p.put("seed", settings.seed());
    p.put("rank", settings.rank());
    p.put("world-size", settings.worldSize());
    p.put("doc", nextDoc);
    ArrayNode d = p.putArray("drawn");
    for (long x : drawn) {
      d.add(x);
    }
    if (pending != null) {
      ObjectNode q = p.putObject("pending");
      q.put("source", pending.source());
      q.put("example", pending.example());
      q.put("doc", pending.doc());
      q.put("offset", pending.offset());
    }
    ArrayNode queue = p.putArray("deferred");
    for (Pending waiting : deferred) {
      ObjectNode q = queue.addObject();
      q.put("source", waiting.source());
      q.put("example", waiting.example());
      q.put("doc", waiting.doc());
    }
    return p.toString();
  }

  @Override
  public void seek(String position) {
    JsonNode p;
    try {
      p = JSON.readTree(position);
    } catch (IOException e) {
      throw new UserError("data position is not JSON: " + position, e);
    }
    check(p, "version", POSITION_VERSION);
    check(p, "seed", settings.seed());
    check(p, "rank", settings.rank());
    check(p, "world-size", settings.worldSize());
    JsonNode d = p.path("drawn");
    if (d.size() != sources.size()) {
      throw new UserError("data position has " + d.size() + " sources, data.sources lists " + sources.size()
          + "; resume with the same data.sources");
    }
    long[] counts = new long[sources.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = d.get(i).asLong();
    }
    JsonNode q = p.get("pending");
    Pending restored = null;
    if (q != null && !q.isNull()) {
      restored = rebuild(q).advance(q.path("offset").asInt());
    }
    List<Pending> queue = new ArrayList<>();
    for (JsonNode e : p.path("deferred")) {
      queue.add(rebuild(e));
    }
    nextDoc = p.path("doc").asLong();
    drawn = counts;
    pending = restored;
    deferred.clear();
    deferred.addAll(queue);
  }

  /** The document a position entry {@code {source, example, doc}} names, with nothing placed yet. */
  private Pending rebuild(JsonNode entry) {
    int source = entry.path("source").asInt();
    long example = entry.path("example").asLong();
    long doc = entry.path("doc").asLong();
    if (source < 0 || source >= sources.size()) {
      throw new UserError("data position names source " + source + ", data.sources lists " + sources.size());
    }
    return new Pending(source, example, doc, build(source, example, doc), 0);
  }

  private static void check(JsonNode p, String key, long expected) {
    long found = p.path(key).asLong(Long.MIN_VALUE);
    if (found != expected) {
      throw new UserError("data position was saved with " + key + " " + found + ", this run has " + expected
          + " (data." + key + "); resume with the same data settings");
    }
  }

  @Override
  public void close() {
    // The shards are memory-mapped; the mappings go with the garbage collector.
  }
}
