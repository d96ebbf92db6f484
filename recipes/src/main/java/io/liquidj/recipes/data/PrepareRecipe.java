package io.liquidj.recipes.data;

import io.liquidj.framework.UserError;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.data.DatasetPreparer;
import io.liquidj.framework.data.PrepareCounts;
import io.liquidj.framework.data.PrepareSettings;
import io.liquidj.framework.tokenizer.ImageTokenizer;
import io.liquidj.framework.tokenizer.ImageTokenizers;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.tokenizers.text.TextTokenizers;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * {@code ./liquid prepare conf/recipes/prepare.conf}: tokenizes image–caption pairs (captions with the
 * backbone's tokenizer, images with the VQGAN) and text corpora once into shards for training.
 * Setup → load tokenizers → prepare (resumable) → report.
 */
@CommandHelp(
    summary = "Tokenize image–caption pairs (VQGAN) and text corpora once into training shards (resumable)",
    examples = {"./liquid prepare conf/recipes/demo-prepare.conf",
        "./liquid prepare conf/recipes/prepare.conf data.prepare.output-dir=prepared/cc3m"},
    configSections = {"data", "tokenizer"})
public final class PrepareRecipe implements LiquidCommand {
  private final TextTokenizers textTokenizers;
  private final ImageTokenizers imageTokenizers;

  @Inject
  PrepareRecipe(TextTokenizers textTokenizers, ImageTokenizers imageTokenizers) {
    this.textTokenizers = textTokenizers;
    this.imageTokenizers = imageTokenizers;
  }

  @Override
  public int run(Invocation invocation) throws IOException {
    PrepareSettings settings = PrepareSettings.from(invocation.config().getConfig("data.prepare"));
    io.liquidj.framework.config.RecipeConfig.saveResolved(invocation.config(), settings.out());
    TextTokenizer text = textTokenizers.load(settings.tokenizer());
    ImageTokenizer images = settings.pairs().isEmpty() ? null : loadImageTokenizer(settings);
    PrepareCounts total;
    try (ProgressBar bar = new ProgressBarBuilder().setTaskName("prepare").setUnit(" records", 1).showSpeed().build()) {
      DatasetPreparer preparer = new DatasetPreparer(settings, text, images, new DatasetPreparer.Listener() {
        @Override
        public void records(int n, PrepareCounts shardSoFar) {
          bar.stepBy(n);
          bar.setExtraMessage(" shard: " + shardSoFar.writtenCount() + " written, " + shardSoFar.skippedTotal() + " skipped");
        }

        @Override
        public void shard(String name, boolean resumed) {
          bar.setExtraMessage((resumed ? " finished already: " : " wrote ") + name);
        }
      });
      total = preparer.run();
    } finally {
      if (images != null) {
        images.close();
      }
    }
    Path report = settings.out().resolve(DatasetPreparer.REPORT);
    if (total.writtenCount() == 0) {
      throw new UserError("prepare wrote no examples: " + total.summary() + "; check data.prepare.pairs/texts (report "
          + report + ")");
    }
    invocation.out().println("prepare: " + total.summary() + "; report " + report);
    return 0;
  }

  /** The image tokenizer in data.prepare.image-tokenizer: of data.prepare.image-tokenizer-kind, else the kind its config.json names. */
  private ImageTokenizer loadImageTokenizer(PrepareSettings settings) {
    String key = "data.prepare.image-tokenizer";
    Path dir = settings.imageTokenizer();
    if (settings.imageTokenizerKind().isEmpty()) {
      return imageTokenizers.load(dir, key);
    }
    return imageTokenizers.factory(settings.imageTokenizerKind(), dir, "data.prepare.image-tokenizer-kind").load(dir);
  }
}
