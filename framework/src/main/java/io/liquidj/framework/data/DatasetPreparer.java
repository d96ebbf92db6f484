package io.liquidj.framework.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.UserError;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.tokenizer.ImageBatch;
import io.liquidj.framework.tokenizer.ImageTokenizer;
import io.liquidj.framework.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Turns image–caption pairs and text corpora into prepared shards, once: captions and texts through
 * the backbone's text tokenizer, images through the image tokenizer, so training never runs the VQGAN.
 *
 * <p>Each input is cut into shards deterministically (one per {@code .tar}; one per {@code shard-size}
 * lines of a JSONL file), named after the input, and written atomically; a shard that exists whole
 * (footer and checksum intact) is finished and skipped, which makes a rerun resume; a damaged one is
 * redone. Bad records are counted with their reason and never stop the run. Images are decoded and
 * resized on all threads; tokenizers run on the caller's thread (the image tokenizer may use the GPU).
 */
public final class DatasetPreparer {
  /** The name of the report written next to the shards. */
  public static final String REPORT = "prepare-report.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Hears about progress (for a progress bar). */
  public interface Listener {
    /** {@code n} more input records were handled. */
    void records(int n, PrepareCounts shardSoFar);

    /** A shard was written ({@code resumed} false) or found finished ({@code resumed} true). */
    void shard(String name, boolean resumed);
  }

  private final PrepareSettings settings;
  private final TextTokenizer text;
  private final ImageTokenizer images;
  private final ImageFileReader imageFiles;
  private final Listener listener;

  /**
   * @param images the image tokenizer, or null when there are no pairs to prepare
   */
  public DatasetPreparer(PrepareSettings settings, TextTokenizer text, ImageTokenizer images, Listener listener) {
    this.settings = settings;
    this.text = text;
    this.images = images;
    this.listener = listener;
    this.imageFiles = new ImageFileReader(settings.imageSize(), settings.keepAspectRatio(),
        images == null ? 1 : images.downsampleFactor(), settings.minImageSize(), settings.maxAspectRatio(),
        settings.maxImagePixels());
    if (images != null && !settings.keepAspectRatio() && settings.imageSize() % images.downsampleFactor() != 0) {
      throw new UserError("data.prepare.image-size " + settings.imageSize() + " must be a multiple of the image "
          + "tokenizer's downsample factor " + images.downsampleFactor());
    }
  }

  /** Prepares every input, writes the report, and returns the totals over all shards (resumed ones included). */
  public PrepareCounts run() throws IOException {
    Files.createDirectories(settings.out());
    List<String> shards = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(settings.threads(), r -> {
      Thread t = new Thread(r, "prepare-decode");
      t.setDaemon(true);
      return t;
    });
    try {
      for (int i = 0; i < settings.pairs().size(); i++) {
        Path input = settings.pairs().get(i);
        String prefix = String.format("p%02d-", i);
        if (Files.isDirectory(input)) {
          List<Path> tars;
          try (Stream<Path> s = Files.list(input)) {
            tars = s.filter(p -> p.getFileName().toString().endsWith(".tar")).sorted().toList();
          }
          if (tars.isEmpty()) {
            throw new UserError("data.prepare.pairs: folder " + input + " holds no .tar shards");
          }
          for (Path tar : tars) {
            shards.add(prepareTar(tar, prefix, pool));
          }
        } else if (input.toString().endsWith(".tar")) {
          shards.add(prepareTar(input, prefix, pool));
        } else if (input.toString().endsWith(".jsonl")) {
          shards.addAll(prepareJsonl(input, prefix, true, pool));
        } else {
          throw new UserError("data.prepare.pairs: " + input + " is neither a .jsonl manifest, a .tar shard nor a folder");
        }
      }
      for (int i = 0; i < settings.texts().size(); i++) {
        Path input = settings.texts().get(i);
        if (!input.toString().endsWith(".jsonl")) {
          throw new UserError("data.prepare.texts: " + input + " is not a .jsonl file");
        }
        shards.addAll(prepareJsonl(input, String.format("t%02d-", i), false, pool));
      }
    } finally {
      pool.shutdownNow();
    }
    return writeReport(shards);
  }

  private String prepareTar(Path tar, String prefix, ExecutorService pool) throws IOException {
    if (!Files.isRegularFile(tar)) {
      throw new UserError("data.prepare.pairs: " + tar + " does not exist");
    }
    String name = prefix + stem(tar) + ".lqd";
    Path target = settings.out().resolve(name);
    if (finished(target)) {
      listener.shard(name, true);
      return name;
    }
    PairShard shard = new PairShard(pool);
    TarSamples.read(tar, shard::add);
    shard.finish(target);
    listener.shard(name, false);
    return name;
  }

  /** Whether {@code target} is a whole shard; a damaged one (cut short, failing its checksum, older format) is redone. */
  private static boolean finished(Path target) {
    return Files.exists(target) && Shard.damage(target) == null;
  }

  /** Cuts a JSONL file into chunks of shard-size lines, each one shard; finished chunks are skipped unread. */
  private List<String> prepareJsonl(Path file, String prefix, boolean pairs, ExecutorService pool) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new UserError((pairs ? "data.prepare.pairs: " : "data.prepare.texts: ") + file + " does not exist");
    }
    List<String> names = new ArrayList<>();
    Path base = file.toAbsolutePath().getParent();
    try (Utf8Text.Lines in = new Utf8Text.Lines(file)) {
      for (int chunk = 0; ; chunk++) {
        String name = prefix + stem(file) + String.format("-%05d.lqd", chunk);
        Path target = settings.out().resolve(name);
        boolean done = finished(target);
        PairShard pairShard = pairs && !done ? new PairShard(pool) : null;
        TextShard textShard = !pairs && !done ? new TextShard() : null;
        int read = 0;
        Utf8Text.Line line;
        while (read < settings.shardSize() && (line = in.next()) != null) {
          read++;
          Utf8Text.Decoded text = line.decoded();
          if (done || (text.ok() && text.text().isBlank())) {
            continue;
          }
          String where = file.getFileName() + ":" + line.number();
          RawRecord record = !text.ok() ? RawRecord.bad(where, SkipReason.BAD_UTF8, text.problem())
              : jsonRecord(where, text.text(), base, pairs);
          if (pairs) {
            pairShard.add(record);
          } else {
            textShard.add(record);
          }
        }
        if (read == 0 && chunk > 0) {
          break;
        }
        if (done) {
          listener.shard(name, true);
        } else if (pairs) {
          pairShard.finish(target);
          listener.shard(name, false);
        } else {
          textShard.finish(target);
          listener.shard(name, false);
        }
        names.add(name);
        if (read < settings.shardSize()) {
          break;
        }
      }
    }
    return names;
  }

  /** A JSONL line as a record: a manifest's {@code {image, caption}} ({@code pair}) or a {@code {text}}. */
  private static RawRecord jsonRecord(String where, String line, Path base, boolean pair) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (IOException e) {
      return RawRecord.bad(where, SkipReason.BAD_JSON, TarSamples.firstLine(e.getMessage()));
    }
    if (node == null || !node.isObject()) {
      return RawRecord.bad(where, SkipReason.BAD_JSON, "not a JSON object");
    }
    return pair ? manifestRecord(where, node, base) : textRecord(where, node);
  }

  private static RawRecord manifestRecord(String where, JsonNode node, Path base) {
    JsonNode image = node.get("image");
    JsonNode caption = node.get("caption");
    if (image == null || !image.isTextual() || image.asText().isBlank()) {
      return RawRecord.bad(where, SkipReason.MISSING_IMAGE, "no \"image\" path");
    }
    if (caption == null || !caption.isTextual() || caption.asText().isBlank()) {
      return RawRecord.bad(where, SkipReason.MISSING_CAPTION, null);
    }
    Path file = base.resolve(image.asText());
    return RawRecord.pair(where + " " + image.asText(), () -> Files.readAllBytes(file), caption.asText().strip());
  }

  private static RawRecord textRecord(String where, JsonNode node) {
    JsonNode t = node.get("text");
    if (t == null || !t.isTextual() || t.asText().isEmpty()) {
      return RawRecord.bad(where, SkipReason.EMPTY_TEXT, null);
    }
    return RawRecord.text(where, t.asText());
  }

  /** One pair shard being built: decodes a window of images in parallel, then tokenizes them in order (by size when keeping aspect ratios). */
  private final class PairShard {
    private final ExecutorService pool;
    private final int window;
    private final List<RawRecord> pending = new ArrayList<>();
    private final PrepareCounts counts = new PrepareCounts();
    private final ShardWriter writer;

    PairShard(ExecutorService pool) {
      this.pool = pool;
      this.window = settings.batchSize() * Math.max(2, settings.threads() * 2);
      this.writer = new ShardWriter(text.size(), images.codebookSize());
    }

    void add(RawRecord r) {
      counts.record();
      if (r.skip() != null) {
        counts.skip(r.skip(), r.where(), r.detail());
      } else if (r.text() == null || r.text().isBlank()) {
        counts.skip(SkipReason.MISSING_CAPTION, r.where(), null);
      } else {
        pending.add(r);
        if (pending.size() >= window) {
          flush();
        }
      }
    }

    void finish(Path target) throws IOException {
      flush();
      writer.write(target, counts);
    }

    private void flush() {
      List<Future<ImageFileReader.Result>> decoded = new ArrayList<>();
      for (RawRecord r : pending) {
        decoded.add(pool.submit(() -> decode(r)));
      }
      // Images of one size share a tokenizer call: all of them when cropping, each aspect's when keeping it.
      Map<List<Integer>, List<RawRecord>> records = new LinkedHashMap<>();
      Map<List<Integer>, List<ImageFileReader.Result>> results = new LinkedHashMap<>();
      for (int i = 0; i < pending.size(); i++) {
        RawRecord r = pending.get(i);
        ImageFileReader.Result result = await(decoded.get(i));
        if (result.skip() != null) {
          counts.skip(result.skip(), r.where(), result.detail());
        } else {
          counts.imageRead();
          List<Integer> size = List.of(result.width(), result.height());
          records.computeIfAbsent(size, k -> new ArrayList<>()).add(r);
          results.computeIfAbsent(size, k -> new ArrayList<>()).add(result);
        }
      }
      int n = pending.size();
      pending.clear();
      for (List<Integer> size : records.keySet()) {
        List<RawRecord> ok = records.get(size);
        for (int from = 0; from < ok.size(); from += settings.batchSize()) {
          int to = Math.min(ok.size(), from + settings.batchSize());
          encode(ok.subList(from, to), results.get(size).subList(from, to));
        }
      }
      listener.records(n, counts);
    }

    private ImageFileReader.Result decode(RawRecord r) {
      byte[] bytes;
      try {
        bytes = r.image().read();
      } catch (NoSuchFileException e) {
        return ImageFileReader.Result.skipped(SkipReason.MISSING_FILE, null);
      } catch (IOException e) {
        return ImageFileReader.Result.skipped(SkipReason.MISSING_FILE, e.toString());
      }
      return imageFiles.decode(bytes);
    }

    /**
     * Encodes a batch of images of one size; if the image tokenizer fails on it, retries one by one so
     * only bad images are lost.
     */
    private void encode(List<RawRecord> records, List<ImageFileReader.Result> pixels) {
      int width = pixels.get(0).width();
      int height = pixels.get(0).height();
      int factor = images.downsampleFactor();
      int[][] codes;
      try {
        codes = images.encode(batch(pixels, width, height));
      } catch (RuntimeException batchFailure) {
        if (records.size() == 1) {
          counts.skip(SkipReason.IMAGE_TOKENIZER_FAILED, records.get(0).where(), batchFailure.toString());
          return;
        }
        for (int i = 0; i < records.size(); i++) {
          encode(records.subList(i, i + 1), pixels.subList(i, i + 1));
        }
        return;
      }
      for (int i = 0; i < records.size(); i++) {
        int[] captionIds = text.encode(records.get(i).text(), false);
        writer.add(settings.keepAspectRatio()
            ? Example.pair(captionIds, codes[i], height / factor, width / factor, width, height)
            : Example.pair(captionIds, codes[i], height / factor, width / factor));
        counts.written();
      }
    }

    private static ImageBatch batch(List<ImageFileReader.Result> pixels, int width, int height) {
      int per = 3 * width * height;
      float[] all = new float[pixels.size() * per];
      for (int i = 0; i < pixels.size(); i++) {
        System.arraycopy(pixels.get(i).pixels(), 0, all, i * per, per);
      }
      return new ImageBatch(all, pixels.size(), height, width);
    }

    private static ImageFileReader.Result await(Future<ImageFileReader.Result> f) {
      try {
        return f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while decoding images", e);
      } catch (ExecutionException e) {
        // A decoding bug on one image (e.g. an exotic colour model) must not stop the run.
        return ImageFileReader.Result.skipped(SkipReason.UNREADABLE, String.valueOf(e.getCause()));
      }
    }
  }

  /** One text shard being built. */
  private final class TextShard {
    private final PrepareCounts counts = new PrepareCounts();
    private final ShardWriter writer = new ShardWriter(text.size(), 0);
    private int sinceReport;

    void add(RawRecord r) {
      counts.record();
      if (r.skip() != null) {
        counts.skip(r.skip(), r.where(), r.detail());
      } else {
        int[] ids = text.encode(r.text(), false);
        if (ids.length == 0) {
          counts.skip(SkipReason.EMPTY_TEXT, r.where(), null);
        } else {
          writer.add(Example.text(ids));
          counts.written();
        }
      }
      if (++sinceReport == 256) {
        listener.records(sinceReport, counts);
        sinceReport = 0;
      }
    }

    void finish(Path target) throws IOException {
      listener.records(sinceReport, counts);
      writer.write(target, counts);
    }
  }

  private PrepareCounts writeReport(List<String> shards) throws IOException {
    PrepareCounts total = new PrepareCounts();
    ObjectNode report = JSON.createObjectNode();
    ObjectNode perShard = JSON.createObjectNode();
    long pairs = 0;
    long texts = 0;
    for (String name : shards) {
      Shard shard = Shard.open(settings.out().resolve(name));
      PrepareCounts c = shard.counts();
      total.add(c);
      pairs += shard.header().path("pairs").asLong();
      texts += shard.header().path("texts").asLong();
      ObjectNode s = c.toJson(JSON);
      s.remove("samples");
      perShard.set(name, s);
    }
    report.put("shards", shards.size());
    report.put("pairs", pairs);
    report.put("texts", texts);
    report.set("total", total.toJson(JSON));
    report.set("per-shard", perShard);
    AtomicFiles.writeString(settings.out().resolve(REPORT),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report) + "\n");
    return total;
  }

  private static String stem(Path p) {
    String n = p.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }
}
