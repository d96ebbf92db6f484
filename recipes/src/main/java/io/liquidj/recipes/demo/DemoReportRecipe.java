package io.liquidj.recipes.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.cli.Command;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.generate.GenerateSettings;
import io.liquidj.framework.image.ContactSheet;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.tokenizer.ImageBatch;
import io.liquidj.framework.tokenizer.ImageTokenizer;
import io.liquidj.framework.tokenizer.ImageTokenizerFactory;
import io.liquidj.recipes.generate.GenerationModel;
import io.liquidj.recipes.model.LiquidModels;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./liquid demo-report conf/recipes/demo-report.conf}: what the demo's model learned, measured.
 * Generates one image per held-out prompt (classifier-free guidance) and judges it with {@link
 * SceneJudge}; captions each held-out image and reads the attributes back from the text; writes the
 * samples, a contact sheet and {@code report.md} / {@code report.json} with accuracies beside chance.
 */
public final class DemoReportRecipe implements Command {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CAPTION = Pattern.compile(
      "a (\\w+) (\\w+) at the (top left|top right|bottom left|bottom right|center) on a (\\w+) background");
  private static final List<String> ATTRIBUTES = List.of("color", "shape", "position", "background");
  /** Chance of a uniform guess per attribute (background differs from the shape's colour: 1 in 5). */
  private static final Map<String, Double> CHANCE = Map.of(
      "color", 1.0 / ShapeScene.COLORS.size(), "shape", 1.0 / ShapeScene.SHAPES.size(),
      "position", 1.0 / ShapeScene.POSITIONS.size(), "background", 1.0 / (ShapeScene.COLORS.size() - 1));

  private final LiquidModels models;
  private final Map<String, ImageTokenizerFactory> imageTokenizers;

  @Inject
  DemoReportRecipe(LiquidModels models, Map<String, ImageTokenizerFactory> imageTokenizers) {
    this.models = models;
    this.imageTokenizers = imageTokenizers;
  }

  @Override
  public String summary() {
    return "Judge the demo model: images for held-out prompts and captions for held-out images, scored against the truth";
  }

  @Override
  public List<String> configSections() {
    return List.of("demo", "checkpoint", "generate");
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    Config config = invocation.config();
    DemoDataRecipe.DemoSettings demo = DemoDataRecipe.DemoSettings.from(config);
    GenerateSettings s = GenerateSettings.from(config);
    List<JsonNode> heldout = readHeldout(demo.dataDir().resolve("heldout.jsonl"));
    Path vqDir = s.imageTokenizer().orElseThrow(() -> new UserError("generate.image-tokenizer must name the VQ folder"));
    Path samples = demo.outDir().resolve("samples");
    Files.createDirectories(samples);
    ObjectNode report = JSON.createObjectNode();
    try (GenerationModel model = GenerationModel.open(BackboneSettings.from(config), models, s, false);
        ImageTokenizer vq = imageTokenizers.get("vqgan").load(vqDir)) {
      int h = s.shapes().gridHeight();
      int w = s.shapes().gridWidth();

      // 1. Text → image: one image per held-out prompt, judged by the pixel classifier.
      int[][] prompts = heldout.stream().map(o -> model.tokenizer().encode(o.get("caption").asText(), false))
          .toArray(int[][]::new);
      int[][] codes = model.client().generateImage(prompts, s.sampling());
      ImageBatch decoded = vq.decode(codes, h, w);
      List<RgbImage> images = new ArrayList<>();
      List<String> captions = new ArrayList<>();
      int[] imageHits = new int[ATTRIBUTES.size()];
      for (int i = 0; i < heldout.size(); i++) {
        RgbImage image = Images.fromBatch(decoded, i);
        Images.write(image, samples.resolve(String.format("t2i-%02d.png", i)));
        images.add(image);
        captions.add(heldout.get(i).get("caption").asText());
        SceneJudge.Verdict v = SceneJudge.judge(Images.toBufferedImage(image));
        count(imageHits, heldout.get(i), List.of(v.color(), v.shape(), v.position(), v.background()));
      }
      Path sheet = samples.resolve("contact-sheet.png");
      Images.write(ContactSheet.render(images, captions, 4), sheet);
      report.set("text_to_image", accuracies(imageHits, heldout.size()));

      // 2. Image → text: captions of the held-out images, read back with the caption grammar.
      List<RgbImage> inputs = new ArrayList<>();
      for (JsonNode o : heldout) {
        inputs.add(Images.read(demo.dataDir().resolve(o.get("image").asText())));
      }
      int[][] imageCodes = vq.encode(Images.toBatch(inputs));
      int[] question = model.tokenizer().encode(model.message(s.prompt()), false);
      int[][] questions = heldout.stream().map(o -> question).toArray(int[][]::new);
      int[][] answers = model.client().caption(imageCodes, questions, s.textSampling());
      int[] captionHits = new int[ATTRIBUTES.size()];
      List<String> generatedCaptions = new ArrayList<>();
      for (int i = 0; i < heldout.size(); i++) {
        String text = model.tokenizer().decode(answers[i], true).strip();
        generatedCaptions.add(text);
        Matcher m = CAPTION.matcher(text);
        List<String> read = m.find() ? List.of(m.group(1), m.group(2), m.group(3), m.group(4))
            : List.of("none", "none", "none", "none");
        count(captionHits, heldout.get(i), read);
      }
      report.set("image_to_text", accuracies(captionHits, heldout.size()));
      ObjectNode chance = report.putObject("chance");
      ATTRIBUTES.forEach(a -> chance.put(a, CHANCE.get(a)));
      report.put("heldout", heldout.size());
      report.put("guidance_scale", s.sampling().guidanceScale());
      report.put("temperature", s.sampling().temperature());
      report.put("top_p", s.sampling().topP());
      report.put("contact_sheet", sheet.toString());
      writeReport(demo.outDir(), report, heldout, generatedCaptions, sheet, invocation);
    }
    return 0;
  }

  private static void count(int[] hits, JsonNode truth, List<String> seen) {
    for (int a = 0; a < ATTRIBUTES.size(); a++) {
      if (truth.get(ATTRIBUTES.get(a)).asText().equals(seen.get(a))) {
        hits[a]++;
      }
    }
  }

  private static ObjectNode accuracies(int[] hits, int n) {
    ObjectNode o = JSON.createObjectNode();
    for (int a = 0; a < ATTRIBUTES.size(); a++) {
      o.put(ATTRIBUTES.get(a), (double) hits[a] / n);
    }
    return o;
  }

  private static List<JsonNode> readHeldout(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new UserError("no held-out scenes at " + file + " (run ./liquid demo-data first)");
    }
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        out.add(JSON.readTree(line));
      }
    }
    return out;
  }

  private static void writeReport(Path outDir, ObjectNode report, List<JsonNode> heldout, List<String> captions,
      Path sheet, Invocation invocation) throws IOException {
    StringBuilder md = new StringBuilder("# liquidj demo report\n\n");
    md.append("Held-out scenes: ").append(heldout.size()).append(" (combinations never seen in training). ")
        .append("Contact sheet of the generated images: `").append(sheet).append("`.\n\n");
    md.append(String.format(Locale.ROOT, "Sampling: guidance scale %.2f, temperature %.2f, top-p %.2f.%n%n",
        report.get("guidance_scale").asDouble(), report.get("temperature").asDouble(), report.get("top_p").asDouble()));
    md.append("| attribute | text → image accuracy | image → text accuracy | chance |\n|---|---|---|---|\n");
    for (String a : ATTRIBUTES) {
      md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |%n", a, report.get("text_to_image").get(a).asDouble(),
          report.get("image_to_text").get(a).asDouble(), CHANCE.get(a)));
    }
    md.append("\nText → image: each held-out caption prompts one image (classifier-free guidance); a pixel classifier\n"
        + "reads the shape's colour, shape, position and background back from the decoded pixels.\n"
        + "Image → text: each held-out image is encoded by the VQ tokenizer and captioned greedily.\n\n");
    md.append("| held-out truth | generated caption |\n|---|---|\n");
    for (int i = 0; i < heldout.size(); i++) {
      md.append("| ").append(heldout.get(i).get("caption").asText()).append(" | ").append(captions.get(i)).append(" |\n");
    }
    AtomicFiles.writeString(outDir.resolve("report.md"), md.toString());
    AtomicFiles.writeString(outDir.resolve("report.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
    invocation.out().println("demo-report: text→image " + report.get("text_to_image") + "; image→text "
        + report.get("image_to_text") + "; chance " + report.get("chance"));
    invocation.out().println("demo-report: wrote " + outDir.resolve("report.md") + " and " + sheet);
  }
}
