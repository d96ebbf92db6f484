package io.liquidj.recipes.generate;

import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.cli.Command;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.export.ExportSettings;
import io.liquidj.framework.export.SavedModelExport;
import io.liquidj.framework.generate.GenerateSettings;
import io.liquidj.framework.generate.ServingContract;
import io.liquidj.framework.io.AtomicFiles;
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
 * returns PNG files ({@code png_bytes}). {@code assets.extra/} holds the tokenizer files and {@code
 * liquid-serving.json}, the prompt contract ({@link ServingContract}) that {@code ./liquid request} reads. The checkpoint is any Hugging Face folder (a trainer's export: LoRA already
 * merged; its tokenizer from {@code generate.tokenizer} when the folder has none).
 */
public final class ExportRecipe implements Command {
  private final LiquidModels models;

  @Inject
  ExportRecipe(LiquidModels models) {
    this.models = models;
  }

  @Override
  public List<String> examples() {
    return List.of("./liquid export conf/recipes/demo-export.conf",
        "./liquid export conf/recipes/export.conf checkpoint=runs/demo/train/model generate.grid-height=8 generate.grid-width=8 export.output-dir=runs/exports/liquid/1");
  }

  @Override
  public String summary() {
    return "Export a SavedModel for TensorFlow Serving (generate_image, caption, generate_text, logits)";
  }

  @Override
  public List<String> configSections() {
    return List.of("backbone", "checkpoint", "tokenizer", "export", "width", "height", "generate");
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    GenerateSettings generate = GenerationModel.settings(invocation.config());
    ExportSettings export = ExportSettings.from(invocation.config().getConfig("export"));
    AtomicFiles.removeLeftoversOf(export.dir());
    AtomicFiles.checkReplaceable(export.dir(), "export.output-dir", "export.overwrite", export.overwrite());
    try (GenerationModel model = GenerationModel.open(
        BackboneSettings.from(invocation.config()), models, generate, true)) {
      List<Signature> signatures = model.generation.signatures();
      SavedModelExport.write(export.dir(), export.overwrite(), model.session, signatures, extra -> {
        List<String> tokenizerFiles = model.liquid.copyTokenizerFiles(extra);
        Files.writeString(extra.resolve(ServingContract.FILE), ServingContract.write(signatures, model.config,
            model.vocabulary, generate.shapes(), generate.sampling(), tokenizerFiles));
      });
      invocation.out().println("wrote " + export.dir() + " with signatures "
          + model.generation.signatures().stream().map(Signature::key).toList());
    }
    return 0;
  }
}
