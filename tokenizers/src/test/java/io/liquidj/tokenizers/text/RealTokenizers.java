package io.liquidj.tokenizers.text;

import io.liquidj.framework.Fixtures;
import io.liquidj.framework.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** The published tokenizer files of {@code testdata/tokenizers}, unpacked into a folder. */
final class RealTokenizers {
  private RealTokenizers() {}

  static Path fixtures() {
    return Fixtures.fixture("tokenizers");
  }

  /** The plain folder of {@code name} (llama3, qwen2.5, gemma, gemma2) under {@code tmp}. */
  static Path unpack(String name, Path tmp) {
    try {
      Path src = fixtures().resolve(name);
      Path dir = Files.createDirectories(tmp.resolve(name));
      try (InputStream in = new GZIPInputStream(Files.newInputStream(src.resolve("tokenizer.json.gz")))) {
        Files.copy(in, dir.resolve("tokenizer.json"));
      }
      Files.copy(src.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static TextTokenizers loader() {
    return new TextTokenizers(Map.of("byte-level-bpe", new ByteLevelBpeFactory(), "sentencepiece-bpe", new SentencePieceBpeFactory()));
  }

  static TextTokenizer load(String name, Path tmp) {
    return loader().load(unpack(name, tmp));
  }
}
