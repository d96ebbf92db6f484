package io.liquidj.recipes.tokenize;

import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.tokenizer.ImageBatch;
import io.liquidj.tokenizers.vqgan.VqganConfig;
import io.liquidj.tokenizers.vqgan.VqganSettings;
import io.liquidj.tokenizers.vqgan.VqganTokenizer;
import jakarta.inject.Inject;
import java.util.Random;

/**
 * {@code ./liquid bench-vq [vqgan.bench-size=512] [vqgan.bench-repeats=1]}: encode and decode of one
 * image with the released VQGAN's architecture (random weights) on this machine's TensorFlow
 * device; images/s. One untimed warm-up run each (graph optimisation). Prints numbers, asserts nothing.
 */
@CommandHelp(
    summary = "Benchmark the VQGAN: encode and decode images/s at the released architecture (random weights)",
    examples = {"./liquid bench-vq vqgan.bench-size=256"},
    configSections = {"vqgan"})
public final class BenchVqCommand implements LiquidCommand {
  @Inject
  BenchVqCommand() {}

  @Override
  public String usage() {
    return "[vqgan.bench-size=512] [vqgan.bench-repeats=1]";
  }

  @Override
  public int run(Invocation invocation) {
    VqganSettings settings = VqganSettings.from(invocation.config().getConfig("vqgan"));
    VqganConfig config = VqganConfig.released();
    int size = settings.benchSize();
    int grid = size / config.downsampleFactor();
    long start = System.nanoTime();
    try (VqganTokenizer vq = VqganTokenizer.random(config, 0)) {
      invocation.out().printf("bench-vq: VQGAN ch %d, ch_mult %s, %d res blocks, attn %s, z %d, codebook %dx%d;"
              + " random weights, built in %.1f s%n", config.ch(), config.chMult(), config.numResBlocks(),
          config.attnResolutions(), config.zChannels(), config.nEmbed(), config.embedDim(), seconds(start));
      float[] pixels = new float[3 * size * size];
      Random random = new Random(0);
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = random.nextFloat() * 2 - 1;
      }
      ImageBatch image = new ImageBatch(pixels, 1, size, size);
      start = System.nanoTime();
      int[][] codes = vq.encode(image);
      invocation.out().printf("bench-vq: encode warm-up (graph build + first run) %.1f s%n", seconds(start));
      start = System.nanoTime();
      for (int r = 0; r < settings.benchRepeats(); r++) {
        vq.encode(image);
      }
      double encode = seconds(start) / settings.benchRepeats();
      start = System.nanoTime();
      vq.decode(codes, grid, grid);
      invocation.out().printf("bench-vq: decode warm-up (graph build + first run) %.1f s%n", seconds(start));
      start = System.nanoTime();
      for (int r = 0; r < settings.benchRepeats(); r++) {
        vq.decode(codes, grid, grid);
      }
      double decode = seconds(start) / settings.benchRepeats();
      invocation.out().printf("bench-vq: %dx%d -> %dx%d codes, %d cores: encode %.2f s/image (%.3f images/s),"
              + " decode %.2f s/image (%.3f images/s)%n",
          size, size, grid, grid, Runtime.getRuntime().availableProcessors(), encode, 1 / encode, decode, 1 / decode);
    }
    return 0;
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
