package io.liquidj.framework.data;

import com.typesafe.config.ConfigFactory;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Shared test setup: the tiny vocabulary, settings from data.conf with overrides, hand-written shards. */
final class TestData {
  /** Char tokenizer ids 0..127, then 64 image codes, then boi, eoi, unconditional. */
  static final MultimodalVocabulary VOCAB = new MultimodalVocabulary(128, 64, 192, 193, 194, 195);
  static final CharTokenizer TOKENIZER = new CharTokenizer();

  private TestData() {}

  /** {@code data} settings: the shipped defaults under {@code overrides} (HOCON, keys relative to data). */
  static DataSettings settings(String overrides) {
    var data = ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.defaultReference().getConfig("data")) // data.conf follows trainer.seq-len, tokenizer
        .resolve();
    return DataSettings.from(data);
  }

  static int[] ids(String text) {
    return TOKENIZER.encode(text, false);
  }

  /** Writes one shard holding {@code examples} into {@code dir}. */
  static Path shard(Path dir, String name, List<Example> examples) throws IOException {
    ShardWriter w = new ShardWriter(TOKENIZER.size(), VOCAB.numImageCodes());
    examples.forEach(w::add);
    Path file = dir.resolve(name);
    w.write(file, new PrepareCounts());
    return file;
  }

  /** A pair whose caption is {@code caption} and whose 2×2 codes all equal {@code code}. */
  static Example pair(String caption, int code) {
    return Example.pair(ids(caption), new int[] {code, code, code, code}, 2, 2);
  }
}
