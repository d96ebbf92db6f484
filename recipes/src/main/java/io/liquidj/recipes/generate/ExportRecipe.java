package io.liquidj.recipes.generate;

import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.export.ExportSettings;
import io.liquidj.framework.export.SavedModelExport;
import io.liquidj.framework.generate.GenerateSettings;
import io.liquidj.framework.generate.ServingContract;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.recipes.model.LiquidModel;
import io.liquidj.recipes.model.LiquidModels;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.util.List;
import org.tensorflow.Signature;

/**
 * {@code ./liquid export <conf> checkpoint=/models/liquid export.output-dir=/serving/liquid/1}: a SavedModel
 * (tag serve) whose signatures run the whole decoding loop in the graph: {@code serving_default} =
 * {@code generate_image}, {@code caption}, {@code generate_text}, {@code logits}. With {@code
 * generate.image-tokenizer} set, the VQGAN is in the export too and {@code generate_image} also
 * returns PNG files ({@code png_bytes}) of the code grid the request asks ({@code grid_height}, {@code grid_width};
 * default {@code generate.grid-height} × {@code grid-width}, or {@code width}/{@code height}). {@code assets.extra/}
 * holds the tokenizer files as the trained model folder has them (the image codes and {@code <boi>}, {@code <eoi>},
 * {@code <unconditional>} named as added tokens at the model's ids) and {@code liquid-serving.json}, the prompt
 * contract ({@link ServingContract}) that {@code ./liquid request} reads. The checkpoint is any Hugging Face folder (a
 * trainer's export: LoRA already merged; its tokenizer from {@code generate.tokenizer} when the folder has none).
 */
@CommandHelp(
    summary = "Export a SavedModel for TensorFlow Serving (generate_image, caption, generate_text, logits)",
    examples = {"./liquid export conf/recipes/demo-export.conf",
        "./liquid export conf/recipes/export.conf checkpoint=runs/demo/train/model generate.grid-height=8 generate.grid-width=8 export.output-dir=runs/exports/liquid/1"},
    configSections = {"backbone", "checkpoint", "tokenizer", "export", "width", "height", "generate"})
public final class ExportRecipe implements LiquidCommand {
  private final LiquidModels models;

  @Inject
  ExportRecipe(LiquidModels models) {
    this.models = models;
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    GenerateSettings generate = GenerationModel.settings(invocation.config(), models);
    ExportSettings export = ExportSettings.from(invocation.config().getConfig("export"));
    AtomicFiles.removeLeftoversOf(export.dir());
    AtomicFiles.checkReplaceable(export.dir(), "export.output-dir", "export.overwrite", export.overwrite());
    try (GenerationModel model = GenerationModel.open(
        BackboneSettings.from(invocation.config()), models, generate, true)) {
      List<Signature> signatures = model.generation.signatures();
      SavedModelExport.write(export.dir(), export.overwrite(), model.session, signatures, extra -> {
        // The trained model folder's writer, so the serving tokenizer knows the specials at the model's ids.
        List<String> tokenizerFiles = model.liquid.writeModelFiles(extra).stream()
            .filter(name -> !name.equals(LiquidModel.GENERATION_CONFIG)).toList();
        Files.writeString(extra.resolve(ServingContract.FILE), ServingContract.write(signatures, model.config,
            model.vocabulary, generate, downsampleFactor(generate), tokenizerFiles));
      });
      invocation.out().println("wrote " + export.dir() + " with signatures "
          + model.generation.signatures().stream().map(Signature::key).toList());
    }
    return 0;
  }

  /** Pixels per code side of the image tokenizer in the export, 0 without one (codes only). */
  private int downsampleFactor(GenerateSettings generate) {
    return generate.imageTokenizer()
        .map(dir -> models.imageTokenizers().decoder(dir, LiquidModels.GENERATE_IMAGE_TOKENIZER).downsampleFactor())
        .orElse(0);
  }
}
