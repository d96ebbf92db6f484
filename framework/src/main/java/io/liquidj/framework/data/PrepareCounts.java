package io.liquidj.framework.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code prepare} read, wrote and skipped (with reasons), for one shard or summed over a run.
 * Not thread-safe: one owner at a time.
 */
public final class PrepareCounts {
  /** Sample messages kept per shard, so a report shows what went wrong without listing everything. */
  static final int MAX_SAMPLES = 20;

  private long records;
  private long images;
  private long written;
  private final Map<SkipReason, Long> skipped = new EnumMap<>(SkipReason.class);
  private final List<String> samples = new ArrayList<>();

  /** One record seen (a manifest or text line, a tar sample). */
  public void record() {
    records++;
  }

  /** One image decoded successfully. */
  public void imageRead() {
    images++;
  }

  /** One example written. */
  public void written() {
    written++;
  }

  /** One record skipped; {@code where} names the record (file:line, tar key) for the samples. */
  public void skip(SkipReason reason, String where, String detail) {
    skipped.merge(reason, 1L, Long::sum);
    if (samples.size() < MAX_SAMPLES) {
      samples.add(reason.key() + ": " + where + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
    }
  }

  public long records() {
    return records;
  }

  public long imagesRead() {
    return images;
  }

  public long writtenCount() {
    return written;
  }

  /** Skips for one reason. */
  public long skipped(SkipReason reason) {
    return skipped.getOrDefault(reason, 0L);
  }

  /** All skips. */
  public long skippedTotal() {
    return skipped.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Adds another count (a shard's) into this one. */
  public void add(PrepareCounts other) {
    records += other.records;
    images += other.images;
    written += other.written;
    other.skipped.forEach((r, n) -> skipped.merge(r, n, Long::sum));
    for (String s : other.samples) {
      if (samples.size() < MAX_SAMPLES) {
        samples.add(s);
      }
    }
  }

  /** As JSON: {@code {"records":..,"images-read":..,"written":..,"skipped":{"too-small":..},"samples":[..]}}. */
  public ObjectNode toJson(ObjectMapper json) {
    ObjectNode node = json.createObjectNode();
    node.put("records", records);
    node.put("images-read", images);
    node.put("written", written);
    ObjectNode s = node.putObject("skipped");
    for (SkipReason r : SkipReason.values()) {
      s.put(r.key(), skipped(r));
    }
    var list = node.putArray("samples");
    samples.forEach(list::add);
    return node;
  }

  /** Reads what {@link #toJson} wrote. */
  public static PrepareCounts fromJson(JsonNode node) {
    PrepareCounts c = new PrepareCounts();
    c.records = node.path("records").asLong();
    c.images = node.path("images-read").asLong();
    c.written = node.path("written").asLong();
    for (SkipReason r : SkipReason.values()) {
      long n = node.path("skipped").path(r.key()).asLong();
      if (n > 0) {
        c.skipped.put(r, n);
      }
    }
    node.path("samples").forEach(x -> c.samples.add(x.asText()));
    return c;
  }

  /** One console line: {@code 1000 records, 950 images read, 940 written; skipped 60: too-small 40, ...}. */
  public String summary() {
    StringBuilder b = new StringBuilder();
    b.append(records).append(" records, ").append(images).append(" images read, ").append(written)
        .append(" examples written; skipped ").append(skippedTotal());
    String sep = ": ";
    for (SkipReason r : SkipReason.values()) {
      long n = skipped(r);
      if (n > 0) {
        b.append(sep).append(r.key()).append(' ').append(n);
        sep = ", ";
      }
    }
    return b.toString();
  }
}
