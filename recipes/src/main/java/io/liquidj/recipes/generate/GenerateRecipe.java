package io.liquidj.recipes.generate;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.generate.GenerateSettings;
import io.liquidj.framework.image.ContactSheet;
import io.liquidj.framework.image.ImagePreprocessing;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.tokenizer.ImageTokenizer;
import io.liquidj.recipes.model.LiquidModels;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code ./liquid generate <conf> prompt="a red square" samples=4 output-dir=samples/}: text → image with
 * classifier-free guidance (PNG per sample + contact-sheet.png with the prompt under each image);
 * {@code mode=caption image=x.png [prompt="question"]} and {@code mode=text prompt=...} print the
 * answer and write it to {@code out/}. Captions and text answers go through the tokenizer's chat
 * template; the image prompt is Liquid's raw template. {@code prompts=<file>} generates one image per
 * prompt of a benchmark's file ({@link PromptFile}), {@code generate.batch-size} prompts per call,
 * skipping images that exist and taking only this process's {@code generate.shard}. {@code width=768
 * height=512} generates images of that size (a 32×48 grid at Liquid's factor 16) and says the size in
 * the prompt as the reference's multi data does; square {@code generate.grid-height × grid-width} is the default.
 */
@CommandHelp(
    summary = "Generate images from a prompt (classifier-free guidance), caption an image, or answer in text",
    examples = {"./liquid generate conf/recipes/demo-report.conf prompt=\"a red circle on a blue background\" samples=4 output-dir=runs/samples",
        "./liquid generate conf/recipes/demo-report.conf mode=caption image=runs/demo/samples/contact-sheet.png prompt=\"What is in the picture?\""},
    configSections = {"backbone", "checkpoint", "tokenizer", "mode", "prompt", "prompts", "samples", "output-dir", "image", "width", "height", "generate"})
public final class GenerateRecipe implements LiquidCommand {
  private final LiquidModels models;

  @Inject
  GenerateRecipe(LiquidModels models) {
    this.models = models;
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    GenerateSettings s = GenerationModel.settings(invocation.config(), models);
    try (GenerationModel model = GenerationModel.open(
        BackboneSettings.from(invocation.config()), models, s, false)) {
      Files.createDirectories(s.out());
      io.liquidj.framework.config.RecipeConfig.saveResolved(invocation.config(), s.out());
      BatchSettings batch = BatchSettings.from(invocation.config());
      if (batch.prompts().isPresent()) {
        prompts(model, s, batch, invocation);
        return 0;
      }
      switch (s.mode()) {
        case "image" -> image(model, s, invocation);
        case "caption" -> caption(model, s, invocation);
        default -> text(model, s, invocation);
      }
    }
    return 0;
  }

  private void image(GenerationModel model, GenerateSettings s, Invocation invocation) throws Exception {
    MultimodalVocabulary vocabulary = model.requireImages();
    int[] prompt = model.tokenizer.encode(s.prompt(), false);
    model.requireImagePromptFits(prompt);
    int[][] prompts = Collections.nCopies(s.samples(), prompt).toArray(int[][]::new);
    int[][] codes = model.client().generateImage(prompts, s.sampling());
    int h = s.shapes().gridHeight();
    int w = s.shapes().gridWidth();
    AtomicFiles.writeString(s.out().resolve("codes.txt"), Arrays.stream(codes)
        .map(r -> Arrays.stream(r).mapToObj(Integer::toString).collect(Collectors.joining(" ")))
        .collect(Collectors.joining("\n", "", "\n")));
    if (s.imageTokenizer().isEmpty()) {
      invocation.out().println("wrote " + codes.length + " code grids (" + h + "×" + w + ", codebook "
          + vocabulary.numImageCodes() + ") to " + s.out().resolve("codes.txt")
          + "; set generate.image-tokenizer to a VQGAN folder to get PNGs");
      return;
    }
    try (ImageTokenizer vq = models.imageTokenizer(s)) {
      var batch = vq.decode(codes, h, w);
      List<RgbImage> images = new ArrayList<>();
      for (int i = 0; i < codes.length; i++) {
        RgbImage image = Images.fromBatch(batch, i);
        Images.write(image, s.out().resolve(String.format("sample-%02d.png", i)));
        images.add(image);
      }
      Path sheet = s.out().resolve("contact-sheet.png");
      Images.write(ContactSheet.render(images, Collections.nCopies(images.size(), s.prompt()),
          (int) Math.ceil(Math.sqrt(images.size()))), sheet);
      invocation.out().println("wrote " + images.size() + " images and " + sheet);
    }
  }

  /** One PNG per prompt of the file, in batches, resuming past existing images; a progress line per batch. */
  private void prompts(GenerationModel model, GenerateSettings s, BatchSettings batch, Invocation invocation)
      throws Exception {
    model.requireImages();
    List<PromptFile.Entry> mine = batch.mine(PromptFile.read(batch.prompts().get()));
    List<PromptFile.Entry> todo = mine.stream().filter(e -> !Files.exists(e.image(s.out()))).toList();
    int h = s.shapes().gridHeight();
    int w = s.shapes().gridWidth();
    invocation.out().printf("generate: %d prompts in shard %d/%d, %d already done, %d to generate%n",
        mine.size(), batch.shard(), batch.shards(), mine.size() - todo.size(), todo.size());
    long start = System.nanoTime();
    try (ImageTokenizer vq = models.imageTokenizer(s)) {
      for (int from = 0; from < todo.size(); from += batch.batchSize()) {
        List<PromptFile.Entry> part = todo.subList(from, Math.min(todo.size(), from + batch.batchSize()));
        int[][] prompts = new int[part.size()][];
        for (int i = 0; i < prompts.length; i++) {
          prompts[i] = model.tokenizer.encode(part.get(i).prompt(), false);
          model.requireImagePromptFits(prompts[i]);
        }
        var images = vq.decode(model.client().generateImage(prompts, s.sampling()), h, w);
        for (int i = 0; i < prompts.length; i++) {
          Path file = part.get(i).image(s.out());
          Files.createDirectories(file.getParent());
          Images.write(Images.fromBatch(images, i), file);
        }
        int done = from + part.size();
        double seconds = (System.nanoTime() - start) / 1e9;
        invocation.out().printf("generate: %d/%d images, %.2f images/s%n", done, todo.size(), done / seconds);
      }
    }
  }

  private void caption(GenerationModel model, GenerateSettings s, Invocation invocation) throws Exception {
    model.requireImages();
    Path file = s.image().orElseThrow(() -> new UserError("mode=caption needs image=<path to a PNG or JPEG>"));
    String message = model.message(s.prompt());
    int[] question = message.isEmpty() ? new int[0] : model.tokenizer.encode(message, false);
    model.requireCaptionFits(question);
    int h = s.shapes().gridHeight();
    int w = s.shapes().gridWidth();
    int[][] codes;
    try (ImageTokenizer vq = models.imageTokenizer(s)) {
      int f = vq.downsampleFactor();
      RgbImage image = Images.read(file);
      RgbImage input = h == w
          ? ImagePreprocessing.apply(image, ImagePreprocessing.Mode.PAD_TO_SQUARE, h * f, f)
          : image.resize(w * f, h * f);
      codes = vq.encode(Images.toBatch(List.of(input)));
    }
    int[][] answer = model.client().caption(codes, new int[][] {question}, s.textSampling());
    answer(model, s, invocation, answer[0], "caption.txt");
  }

  private void text(GenerationModel model, GenerateSettings s, Invocation invocation) throws Exception {
    int[] prompt = model.tokenizer.encode(model.message(s.prompt()), false);
    model.requireTextPromptFits(prompt);
    int[][] answer = model.client().generateText(new int[][] {prompt}, s.textSampling());
    answer(model, s, invocation, answer[0], "text.txt");
  }

  private static void answer(GenerationModel model, GenerateSettings s, Invocation invocation, int[] ids, String name)
      throws Exception {
    String text = model.tokenizer.decode(ids, true);
    invocation.out().println(text);
    AtomicFiles.writeString(s.out().resolve(name), text + "\n");
  }
}
