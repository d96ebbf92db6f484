package io.liquidj.recipes.data;

import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.DataSettings;
import io.liquidj.framework.data.Example;
import io.liquidj.framework.data.PackedBatchSource;
import io.liquidj.framework.data.PrepareCounts;
import io.liquidj.framework.data.ShardWriter;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.tokenizer.TextTokenizer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;

/**
 * {@code ./liquid bench-data [conf] [data.max-length=2048]}: packed sequences per second from prepared
 * shards on one core (this thread). Writes synthetic shards shaped like Liquid's data (Gemma-sized
 * vocabulary, 32×32 codes, ~30-token captions, ~700-token text documents), mixes them 1:1 with the
 * {@code data} settings, and times {@link PackedBatchSource#next()}. Prints numbers, asserts nothing.
 */
@CommandHelp(
    summary = "Benchmark the data loader: packed sequences/s from prepared shards on one core",
    examples = {"./liquid bench-data \"data.sources=[{path=runs/demo/shards}]\" data.max-length=256"},
    configSections = {"data"})
public final class BenchDataCommand implements LiquidCommand {
  private static final int TEXT_VOCAB = 256_000;
  private static final MultimodalVocabulary VOCAB =
      new MultimodalVocabulary(TEXT_VOCAB, 8192, TEXT_VOCAB + 8192, TEXT_VOCAB + 8193, TEXT_VOCAB + 8194, TEXT_VOCAB + 8195);

  @Inject
  BenchDataCommand() {}

  @Override
  public int run(Invocation invocation) throws Exception {
    Path dir = Files.createTempDirectory("liquidj-bench-data");
    try {
      SplittableRandom random = new SplittableRandom(1);
      writeShard(dir.resolve("pairs"), random, true);
      writeShard(dir.resolve("text"), random, false);
      DataSettings settings = DataSettings.from(invocation.config().getConfig("data"));
      settings = new DataSettings(
          List.of(new DataSettings.Source("pairs", dir.resolve("pairs"), 0.5),
              new DataSettings.Source("text", dir.resolve("text"), 0.5)),
          settings.maxLength(), settings.seed(), settings.reverseRatio(), settings.cfgDropout(), settings.lossOn(),
          settings.t2iSuffixes(), settings.i2tPrefix(), 0, 1);
      try (PackedBatchSource source = PackedBatchSource.open(settings, VOCAB, new ByteTokenizer(), 8)) {
        for (int i = 0; i < 50; i++) {
          source.next(); // warm-up
        }
        long rows = 0;
        long trained = 0;
        long padding = 0;
        long start = System.nanoTime();
        while (System.nanoTime() - start < 5_000_000_000L) {
          Batch b = source.next();
          rows += b.batch();
          trained += b.trainedTokens();
          for (int s : b.segmentIds()) {
            padding += s == 0 ? 1 : 0;
          }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long tokens = rows * settings.maxLength();
        invocation.out().printf("bench-data: %.0f sequences/s of %d tokens on one core (%.2f M tokens/s); "
                + "%.1f%% padding, %.1f%% of targets trained%n",
            rows / seconds, settings.maxLength(), tokens / seconds / 1e6, 100.0 * padding / tokens,
            100.0 * trained / tokens);
      }
    } finally {
      AtomicFiles.deleteTree(dir);
    }
    return 0;
  }

  private static void writeShard(Path folder, SplittableRandom random, boolean pairs) throws Exception {
    ShardWriter w = new ShardWriter(TEXT_VOCAB, pairs ? VOCAB.numImageCodes() : 0);
    for (int i = 0; i < 2000; i++) {
      int[] ids = random.ints(pairs ? 20 + random.nextInt(20) : 200 + random.nextInt(1000), 3, TEXT_VOCAB).toArray();
      w.add(pairs ? Example.pair(ids, random.ints(1024, 0, 8192).toArray(), 32, 32) : Example.text(ids));
    }
    w.write(folder.resolve("bench.lqd"), new PrepareCounts());
  }

  /** Bytes as ids 3..258, bos 1, eos 2: enough to tokenize the templates. */
  private static final class ByteTokenizer implements TextTokenizer {
    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
      return text.chars().map(c -> 3 + (c & 0xFF)).toArray();
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
      throw new UnsupportedOperationException("the benchmark only encodes");
    }

    @Override
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
      throw new UnsupportedOperationException("the benchmark only encodes");
    }

    @Override
    public int size() {
      return TEXT_VOCAB;
    }

    @Override
    public OptionalInt tokenId(String token) {
      return OptionalInt.empty();
    }

    @Override
    public OptionalInt bosId() {
      return OptionalInt.of(1);
    }

    @Override
    public OptionalInt eosId() {
      return OptionalInt.of(2);
    }
  }
}
