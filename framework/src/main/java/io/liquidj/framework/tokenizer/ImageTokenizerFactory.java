package io.liquidj.framework.tokenizer;

import io.liquidj.framework.safetensors.TensorReader;
import java.nio.file.Path;

/**
 * One kind of image tokenizer ({@code vqgan}, {@code patch-vq}), registered in a {@code MapBinder} by the name
 * a folder's {@code config.json} gives as {@code tokenizer_kind} (see {@link ImageTokenizers}).
 */
public interface ImageTokenizerFactory {
  /** The tokenizer in {@code dir} (its config.json and weights). */
  ImageTokenizer load(Path dir);

  /** The decoder of the tokenizer in {@code dir} as a graph function, from its config.json (no weights read). */
  CodesToPixels decoder(Path dir);

  /** The weights of the tokenizer in {@code dir}, under the names {@link CodesToPixels#weightName} gives. */
  TensorReader openWeights(Path dir);
}
