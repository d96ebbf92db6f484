package io.liquidj.tokenizers.vqgan;

import io.liquidj.framework.safetensors.TensorReader;
import io.liquidj.framework.tokenizer.CodesToPixels;
import io.liquidj.framework.tokenizer.ImageTokenizer;
import io.liquidj.framework.tokenizer.ImageTokenizerFactory;
import jakarta.inject.Inject;
import java.nio.file.Path;

/** Loads Liquid's VQGAN from a folder with {@code config.json} and {@code model.safetensors} or {@code vqgan.ckpt}. */
public final class VqganTokenizerFactory implements ImageTokenizerFactory {
  @Inject
  public VqganTokenizerFactory() {}

  @Override
  public ImageTokenizer load(Path dir) {
    return VqganTokenizer.load(dir);
  }

  @Override
  public CodesToPixels decoder(Path dir) {
    return new Vqgan(VqganConfig.read(dir.resolve("config.json")));
  }

  @Override
  public TensorReader openWeights(Path dir) {
    return VqganTokenizer.open(VqganTokenizer.weightsFile(dir));
  }
}
