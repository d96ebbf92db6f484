package io.liquidj.recipes;

import io.liquidj.framework.data.CharTokenizer;
import io.liquidj.framework.data.Example;
import io.liquidj.framework.data.PrepareCounts;
import io.liquidj.framework.data.ShardWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/** Prepared data for command tests, written directly: char-tokenized text, 4×4 grids of image codes. */
public final class TestShards {
  /** The image codes the pairs draw from (ids 0 … 31 of the code range). */
  public static final int CODES = 32;

  private TestShards() {}

  /**
   * Writes {@code n} caption–image pairs to {@code dir/pairs/a.lqd} and {@code n} texts to {@code dir/text/a.lqd}
   * (example i: {@code caption(i)} with 16 codes drawn with seed 3, and {@code text(i)}).
   */
  public static void write(Path dir, int n, IntFunction<String> caption, IntFunction<String> text) throws IOException {
    SplittableRandom random = new SplittableRandom(3);
    CharTokenizer chars = new CharTokenizer();
    ShardWriter pairs = new ShardWriter(chars.size(), CODES);
    ShardWriter texts = new ShardWriter(chars.size(), CODES);
    for (int i = 0; i < n; i++) {
      pairs.add(Example.pair(chars.encode(caption.apply(i), false), random.ints(16, 0, CODES).toArray(), 4, 4));
      texts.add(Example.text(chars.encode(text.apply(i), false)));
    }
    pairs.write(Files.createDirectories(dir.resolve("pairs")).resolve("a.lqd"), new PrepareCounts());
    texts.write(Files.createDirectories(dir.resolve("text")).resolve("a.lqd"), new PrepareCounts());
  }

  /** {@code data.sources} of the two folders {@link #write} writes, mixed evenly. */
  public static String sources(Path dir) {
    return "[{ path = \"" + dir.resolve("pairs") + "\" }, { path = \"" + dir.resolve("text") + "\" }]";
  }
}
