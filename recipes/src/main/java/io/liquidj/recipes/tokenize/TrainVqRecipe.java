package io.liquidj.recipes.tokenize;

import io.liquidj.framework.UserError;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.image.ImagePreprocessing;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.optim.OptimizerSettings;
import io.liquidj.tokenizers.vqgan.VqganTrainSettings;
import io.liquidj.tokenizers.vqgan.VqganTraining;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * {@code ./liquid train-vq [conf/recipes/train-vq.conf] vqgan.train.images=<folder>}: trains a small
 * VQGAN (Liquid's architecture, configurable size) on a folder of images held in memory, then writes
 * {@code config.json} + {@code model.safetensors} to {@code vqgan.train.output-dir} for {@code ./liquid vq}.
 * Setup → loop → save.
 */
@CommandHelp(
    summary = "Train a small VQGAN on a folder of images (reconstruction + codebook + commitment losses)",
    examples = {"./liquid train-vq conf/recipes/demo-vq.conf",
        "./liquid train-vq conf/recipes/train-vq.conf vqgan.train.images=runs/demo/data/images vqgan.train.output-dir=runs/vqgan-small"},
    configSections = {"vqgan", "optimizer"})
public final class TrainVqRecipe implements LiquidCommand {
  @Inject
  TrainVqRecipe() {}

  @Override
  public int run(Invocation invocation) throws IOException {
    VqganTrainSettings s = VqganTrainSettings.from(invocation.config().getConfig("vqgan.train"));
    OptimizerSettings optimizer = OptimizerSettings.from(invocation.config().getConfig("optimizer"));
    AtomicFiles.removeLeftoversOf(s.out());
    AtomicFiles.checkReplaceable(s.out(), "vqgan.train.output-dir", "vqgan.train.overwrite", s.overwrite());
    int size = s.architecture().resolution();
    List<RgbImage> images = loadImages(s.images(), size, "vqgan.train.images");
    invocation.out().printf("train-vq: %d images of %dx%d from %s; %d steps of %d%s%n", images.size(), size, size,
        s.images(), s.steps(), s.batchSize(), s.cropSize() == size ? "" : " random " + s.cropSize() + "x" + s.cropSize() + " crops");

    Random order = new Random(s.seed());
    try (VqganTraining training = new VqganTraining(s.architecture(), s.cropSize(), s.lossWeights(), optimizer, s.seed())) {
      long start = System.nanoTime();
      for (int step = 1; step <= s.steps(); step++) {
        List<RgbImage> batch = new ArrayList<>();
        for (int i = 0; i < s.batchSize(); i++) {
          batch.add(randomCrop(images.get(order.nextInt(images.size())), s.cropSize(),
              s.architecture().downsampleFactor(), order));
        }
        VqganTraining.StepResult r = training.step(Images.toBatch(batch), (float) s.lr(), step);
        if (!Float.isFinite(r.total())) {
          throw new UserError("train-vq: loss is " + r.total() + " at step " + step + "; lower vqgan.train.lr");
        }
        if (step % s.logEvery() == 0 || step == 1 || step == s.steps()) {
          invocation.out().printf("step %d: loss %.4f (reconstruction %.4f, quantizer %.4f), %d distinct codes, %.2f steps/s%n",
              step, r.total(), r.reconstruction(), r.quantizer(), r.distinctCodes(),
              step / ((System.nanoTime() - start) / 1e9));
        }
      }
      training.save(s.out(), s.overwrite());
    }
    invocation.out().printf("train-vq: wrote %s (config.json, model.safetensors)%n", s.out());
    return 0;
  }

  /**
   * A {@code crop}-pixel square of {@code image} at a random offset that is a multiple of {@code factor} (so its
   * patches are the patches the tokenizer sees in the whole image), or the image itself when it is that size.
   * Taming's VQGAN, whose architecture this is, trains on random crops too: a code must then describe its patch
   * in whatever surroundings it appears, not the whole picture.
   */
  static RgbImage randomCrop(RgbImage image, int crop, int factor, Random random) {
    if (crop == image.width() && crop == image.height()) {
      return image;
    }
    int x = random.nextInt((image.width() - crop) / factor + 1) * factor;
    int y = random.nextInt((image.height() - crop) / factor + 1) * factor;
    return image.crop(x, y, crop, crop);
  }

  /**
   * Every image under {@code dir}, center-cropped to {@code size}; aspect ratios above 2 are skipped (Liquid's rule).
   * {@code key} names the setting in errors.
   */
  static List<RgbImage> loadImages(Path dir, int size, String key) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new UserError(key + ": " + dir + " is not a folder");
    }
    List<Path> paths;
    try (Stream<Path> files = Files.walk(dir)) {
      paths = files.filter(Files::isRegularFile).filter(Images::isImageFile).sorted().toList();
    }
    // Decoded on every core, kept in file order.
    List<RgbImage> images = paths.parallelStream().map(Images::read).filter(image -> image.aspectRatio() <= 2)
        .map(image -> ImagePreprocessing.centerCrop(image, size)).toList();
    if (images.isEmpty()) {
      throw new UserError(key + ": no .png/.jpg/.jpeg images with aspect ratio <= 2 under " + dir);
    }
    return images;
  }
}
