package io.liquidj.tokenizers.patchvq;

import io.liquidj.framework.safetensors.TensorReader;
import io.liquidj.framework.tokenizer.CodesToPixels;
import io.liquidj.framework.tokenizer.ImageTokenizer;
import io.liquidj.framework.tokenizer.ImageTokenizerFactory;
import jakarta.inject.Inject;
import java.nio.file.Path;

/** Loads a patch VQ from a folder with {@code config.json} ({@code "tokenizer_kind": "patch-vq"}) and {@code model.safetensors}. */
public final class PatchVqTokenizerFactory implements ImageTokenizerFactory {
  @Inject
  public PatchVqTokenizerFactory() {}

  @Override
  public ImageTokenizer load(Path dir) {
    return PatchVqTokenizer.load(dir);
  }

  @Override
  public CodesToPixels decoder(Path dir) {
    return new PatchVq(PatchVqConfig.read(dir.resolve("config.json")));
  }

  @Override
  public TensorReader openWeights(Path dir) {
    return PatchVqTokenizer.openWeights(dir);
  }
}
