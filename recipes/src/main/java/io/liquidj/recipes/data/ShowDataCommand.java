package io.liquidj.recipes.data;

import com.typesafe.config.Config;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.config.ConfigReads;
import io.liquidj.framework.data.Batch;
import io.liquidj.framework.data.DataSettings;
import io.liquidj.framework.data.Document;
import io.liquidj.framework.data.PackedBatchSource;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.framework.train.TrainerSettings;
import io.liquidj.recipes.model.LiquidModel;
import io.liquidj.recipes.model.LiquidModels;
import jakarta.inject.Inject;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code ./liquid show-data <conf> n=4}: the first n packed sequences of a training run as text, and
 * the measured share of each layout over the first {@code show-data.examples} documents. Special
 * tokens are shown by name, a run of image codes as {@code [1024 codes]}, and the tokens that carry
 * loss (are predicted and trained on) between {@code «} and {@code »}; {@code |} separates the
 * documents packed into a row.
 */
@CommandHelp(
    summary = "Print the first packed training sequences as text (loss-masked spans marked) and the share of each layout",
    examples = {"./liquid show-data conf/recipes/demo-train.conf n=2"},
    configSections = {"n", "show-data", "data", "trainer", "backbone", "checkpoint"})
public final class ShowDataCommand implements LiquidCommand {
  private final LiquidModels models;

  @Inject
  ShowDataCommand(LiquidModels models) {
    this.models = models;
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    Config config = invocation.config();
    int n = ConfigReads.positiveInt(config, "n");
    int examples = ConfigReads.positiveInt(config.getConfig("show-data"), "examples");
    TrainerSettings trainer = TrainerSettings.from(config.getConfig("trainer"));
    DataSettings data = DataSettings.from(config.getConfig("data"));
    LiquidModel model = models.resolve(BackboneSettings.from(config), "trainer.tokenizer",
        ConfigReads.optionalPath(config.getConfig("trainer"), "tokenizer"), trainer.imageCodes(), trainer.specialTokens());
    if (model.vocabulary() == null) {
      throw new io.liquidj.framework.UserError(model.config().source() + " has no image codes: set trainer.image-codes "
          + "(8192 for the Liquid VQGAN) as training does");
    }
    PrintStream out = invocation.out();
    try (PackedBatchSource source = PackedBatchSource.open(data, model.vocabulary(), model.tokenizer(), 1)) {
      for (int i = 0; i < n; i++) {
        out.println("sequence " + (i + 1) + ": " + render(source.next(), model.vocabulary(), model.tokenizer()));
      }
    }
    try (PackedBatchSource source = PackedBatchSource.open(data, model.vocabulary(), model.tokenizer(), 1)) {
      Map<Document.Layout, Long> counts = source.layoutCounts();
      while (counts.values().stream().mapToLong(Long::longValue).sum() < examples) {
        source.next();
        counts = source.layoutCounts();
      }
      long total = counts.values().stream().mapToLong(Long::longValue).sum();
      StringBuilder line = new StringBuilder("layouts of the first " + total + " documents:");
      for (Document.Layout layout : Document.Layout.values()) {
        long c = counts.getOrDefault(layout, 0L);
        line.append(String.format(" %s %.1f%% (%d)", name(layout), 100.0 * c / total, c));
      }
      out.println(line);
    }
    return 0;
  }

  private static String name(Document.Layout layout) {
    return switch (layout) {
      case TEXT_TO_IMAGE -> "text→image";
      case UNCONDITIONAL -> "unconditional";
      case IMAGE_TO_TEXT -> "image→text";
      case TEXT -> "text-only";
    };
  }

  /** Row 0 of {@code batch}: documents separated by {@code |}, trained tokens inside «…». */
  static String render(Batch batch, MultimodalVocabulary vocabulary, TextTokenizer tokenizer) {
    StringBuilder out = new StringBuilder();
    int length = batch.length();
    int i = 0;
    while (i < length && batch.segmentIds()[i] != 0) {
      int segment = batch.segmentIds()[i];
      int end = i;
      while (end < length && batch.segmentIds()[end] == segment) {
        end++;
      }
      if (out.length() > 0) {
        out.append(" | ");
      }
      boolean inLoss = false;
      int t = i;
      while (t < end) {
        // Token t is trained when the target of position t − 1 (same document) carries loss.
        boolean trained = t > i && batch.lossWeights()[t - 1] > 0;
        if (trained != inLoss) {
          out.append(trained ? "«" : "»");
          inLoss = trained;
        }
        int token = batch.inputIds()[t];
        int run = t;
        if (vocabulary.isImageToken(token)) {
          while (run < end && vocabulary.isImageToken(batch.inputIds()[run])
              && (run == t || (batch.lossWeights()[run - 1] > 0) == trained)) {
            run++;
          }
          out.append(" [").append(run - t).append(" codes] ");
        } else if (isSpecial(token, vocabulary, tokenizer)) {
          out.append(specialName(token, vocabulary, tokenizer));
          run = t + 1;
        } else {
          while (run < end && !vocabulary.isImageToken(batch.inputIds()[run])
              && !isSpecial(batch.inputIds()[run], vocabulary, tokenizer)
              && (run == t || (batch.lossWeights()[run - 1] > 0) == trained)) {
            run++;
          }
          out.append(tokenizer.decode(Arrays.copyOfRange(batch.inputIds(), t, run), false));
        }
        t = run;
      }
      if (inLoss) {
        out.append("»");
      }
      i = end;
    }
    if (i < length) {
      out.append(" | [").append(length - i).append(" padding]");
    }
    return out.toString();
  }

  private static boolean isSpecial(int token, MultimodalVocabulary v, TextTokenizer tokenizer) {
    return token == v.boiTokenId() || token == v.eoiTokenId() || token == v.unconditionalTokenId()
        || tokenizer.bosId().equals(java.util.OptionalInt.of(token)) || tokenizer.eosId().equals(java.util.OptionalInt.of(token));
  }

  private static String specialName(int token, MultimodalVocabulary v, TextTokenizer tokenizer) {
    if (token == v.boiTokenId()) {
      return "<boi>";
    }
    if (token == v.eoiTokenId()) {
      return "<eoi>";
    }
    if (token == v.unconditionalTokenId()) {
      return "<unconditional>";
    }
    return tokenizer.bosId().equals(java.util.OptionalInt.of(token)) ? "<bos>" : "<eos>";
  }
}
