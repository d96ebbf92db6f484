package io.liquidj.recipes.tokenize;

import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.image.RgbImage;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.tokenizers.patchvq.PatchVqTrainSettings;
import io.liquidj.tokenizers.patchvq.PatchVqTraining;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.List;

/**
 * {@code ./liquid train-patch-vq [conf] patch-vq.train.images=<folder>}: fits a patch VQ's codebook (k-means
 * over the images' patches) and writes {@code config.json} + {@code model.safetensors} to {@code
 * patch-vq.train.output-dir}, a folder {@code prepare}, {@code generate} and {@code export} take as their image
 * tokenizer.
 */
@CommandHelp(
    summary = "Fit a patch VQ image tokenizer (k-means over the images' pixel patches) on a folder of images",
    examples = {"./liquid train-patch-vq conf/recipes/demo-vq.conf",
        "./liquid train-patch-vq patch-vq.train.images=runs/demo/data/images patch-vq.train.output-dir=runs/patch-vq"},
    configSections = {"patch-vq"})
public final class TrainPatchVqRecipe implements LiquidCommand {
  @Inject
  TrainPatchVqRecipe() {}

  @Override
  public int run(Invocation invocation) throws IOException {
    PatchVqTrainSettings s = PatchVqTrainSettings.from(invocation.config().getConfig("patch-vq.train"));
    AtomicFiles.removeLeftoversOf(s.out());
    AtomicFiles.checkReplaceable(s.out(), "patch-vq.train.output-dir", "patch-vq.train.overwrite", s.overwrite());
    int size = s.architecture().resolution();
    List<RgbImage> images = TrainVqRecipe.loadImages(s.images(), size, "patch-vq.train.images");
    invocation.out().printf("train-patch-vq: %d images of %dx%d from %s; %d codes of %dx%d pixels%n", images.size(), size,
        size, s.images(), s.architecture().nEmbed(), s.architecture().patchSize(), s.architecture().patchSize());
    long start = System.nanoTime();
    PatchVqTraining.Result r = PatchVqTraining.train(images, s.architecture(), s.iterations(), s.maxPatches(), s.seed());
    r.tokenizer().save(s.out(), s.overwrite());
    invocation.out().printf("train-patch-vq: k-means on %d patches in %.1f s: mean squared error %.4f, %d of %d codes used;"
        + " wrote %s (config.json, model.safetensors)%n", r.patches(), (System.nanoTime() - start) / 1e9,
        r.meanSquaredError(), r.distinctCodes(), s.architecture().nEmbed(), s.out());
    return 0;
  }
}
