package io.liquidj.framework.tokenizer;

import java.nio.file.Path;

/** Loads an image tokenizer from a folder (registered by kind, e.g. {@code vqgan}). */
public interface ImageTokenizerFactory {
  /** The tokenizer in {@code dir} (its config.json and weights). */
  ImageTokenizer load(Path dir);
}
