package io.liquidj.recipes.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.generate.GenerateSettings;
import io.liquidj.framework.image.ContactSheet;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.tokenizer.ImageBatch;
import io.liquidj.framework.tokenizer.ImageTokenizer;
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
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code ./liquid demo-report conf/recipes/demo-report.conf}: what the demo's model learned, measured.
 * Generates one image per held-out prompt (classifier-free guidance) and judges it with {@link
 * SceneJudge}; captions each held-out image and reads the attributes back from the text; judges the
 * held-out truth images after a trip through the VQ tokenizer (the ceiling of text → image); writes
 * the samples, a contact sheet and {@code report.md} / {@code report.json} with each accuracy beside
 * the majority-answer baseline and uniform chance.
 */
@CommandHelp(
    summary = "Judge the demo model: images for held-out prompts and captions for held-out images, scored against the truth",
    examples = {"./liquid demo-report conf/recipes/demo-report.conf"},
    configSections = {"demo", "checkpoint", "generate"})
public final class DemoReportRecipe implements LiquidCommand {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CAPTION = Pattern.compile(
      "a (\\w+) (\\w+) at the (top left|top right|bottom left|bottom right|center) on a (\\w+) background");
  private static final List<String> ATTRIBUTES = List.of("color", "shape", "position", "background");
  /**
   * Chance of a uniform guess among an attribute's values. Colour and background alike are one of the
   * palette's colours: a scene never paints both the same, but a guess of either alone is still 1 in
   * 6 (the judge, too, may answer any palette colour for the background and any other for the shape).
   */
  private static final Map<String, Double> CHANCE = Map.of(
      "color", 1.0 / ShapeScene.COLORS.size(), "shape", 1.0 / ShapeScene.SHAPES.size(),
      "position", 1.0 / ShapeScene.POSITIONS.size(), "background", 1.0 / ShapeScene.COLORS.size());

  private final LiquidModels models;

  @Inject
  DemoReportRecipe(LiquidModels models) {
    this.models = models;
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    Config config = invocation.config();
    DemoDataRecipe.DemoSettings demo = DemoDataRecipe.DemoSettings.from(config);
    GenerateSettings s = GenerateSettings.from(config);
    List<JsonNode> heldout = readHeldout(demo.dataDir().resolve("heldout.jsonl"));
    Path samples = demo.outDir().resolve("samples");
    Files.createDirectories(samples);
    try (GenerationModel model = GenerationModel.open(BackboneSettings.from(config), models, s, false);
        ImageTokenizer vq = models.imageTokenizer(s)) {
      int h = s.shapes().gridHeight();
      int w = s.shapes().gridWidth();

      // 1. Text → image: one image per held-out prompt.
      int[][] prompts = heldout.stream().map(o -> model.tokenizer().encode(o.get("caption").asText(), false))
          .toArray(int[][]::new);
      List<RgbImage> generated = images(vq.decode(model.client().generateImage(prompts, s.sampling()), h, w));
      List<String> truthCaptions = new ArrayList<>();
      for (int i = 0; i < heldout.size(); i++) {
        Images.write(generated.get(i), samples.resolve(String.format("t2i-%02d.png", i)));
        truthCaptions.add(heldout.get(i).get("caption").asText());
      }
      Path sheet = samples.resolve("contact-sheet.png");
      Images.write(ContactSheet.render(generated, truthCaptions, 4), sheet);

      // 2. Image → text: captions of the held-out images.
      List<RgbImage> truth = new ArrayList<>();
      for (JsonNode o : heldout) {
        truth.add(Images.read(demo.dataDir().resolve(o.get("image").asText())));
      }
      int[][] truthCodes = vq.encode(Images.toBatch(truth));
      int[] question = model.tokenizer().encode(model.message(s.prompt()), false);
      int[][] questions = heldout.stream().map(o -> question).toArray(int[][]::new);
      int[][] answers = model.client().caption(truthCodes, questions, s.textSampling());
      List<String> captions = new ArrayList<>();
      for (int[] answer : answers) {
        captions.add(model.tokenizer().decode(answer, true).strip());
      }

      // 3. The ceiling of text → image: the truth images encoded and decoded by the VQ tokenizer.
      List<RgbImage> reconstructions = images(vq.decode(truthCodes, h, w));

      ObjectNode report = scores(heldout, generated, captions, reconstructions);
      report.put("heldout", heldout.size());
      report.put("guidance_scale", s.sampling().guidanceScale());
      report.put("temperature", s.sampling().temperature());
      report.put("top_p", s.sampling().topP());
      report.put("contact_sheet", sheet.toString());
      AtomicFiles.writeString(demo.outDir().resolve("report.md"), markdown(report, heldout, captions));
      AtomicFiles.writeString(demo.outDir().resolve("report.json"),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
      invocation.out().println("demo-report: text→image " + report.get("text_to_image") + "; image→text "
          + report.get("image_to_text") + "; VQ ceiling " + report.get("vq_ceiling") + "; majority baseline "
          + report.get("majority_baseline"));
      invocation.out().println("demo-report: wrote " + demo.outDir().resolve("report.md") + " and " + sheet);
    }
    return 0;
  }

  /**
   * The accuracies per attribute against the held-out truth: {@code text_to_image} (the judge on the
   * generated images), {@code image_to_text} (the captions read with the caption grammar), {@code
   * vq_ceiling} (the judge on the truth's VQ reconstructions), {@code majority_baseline} (always the
   * held-out set's most common value, named in {@code majority_answer}), {@code chance}, and {@code
   * empty_images} (generated images in which the judge finds no shape).
   */
  static ObjectNode scores(List<JsonNode> heldout, List<RgbImage> generated, List<String> captions,
      List<RgbImage> reconstructions) {
    ObjectNode report = JSON.createObjectNode();
    report.set("text_to_image", judged(generated, heldout));
    report.put("empty_images", generated.stream()
        .filter(image -> SceneJudge.judge(Images.toBufferedImage(image)).color().equals("none")).count());
    List<List<String>> read = new ArrayList<>();
    for (String caption : captions) {
      Matcher m = CAPTION.matcher(caption);
      read.add(m.find() ? List.of(m.group(1), m.group(2), m.group(3), m.group(4)) : List.of("none", "none", "none", "none"));
    }
    report.set("image_to_text", accuracies(read, heldout));
    report.set("vq_ceiling", judged(reconstructions, heldout));
    ObjectNode baseline = report.putObject("majority_baseline");
    ObjectNode answer = report.putObject("majority_answer");
    ObjectNode chance = report.putObject("chance");
    for (String a : ATTRIBUTES) {
      Map<String, Long> counts = heldout.stream()
          .collect(Collectors.groupingBy(o -> o.get(a).asText(), TreeMap::new, Collectors.counting()));
      Map.Entry<String, Long> most = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
      baseline.put(a, (double) most.getValue() / heldout.size());
      answer.put(a, most.getKey());
      chance.put(a, CHANCE.get(a));
    }
    return report;
  }

  /** The accuracy per attribute of {@link SceneJudge} on {@code images}, one per held-out scene. */
  private static ObjectNode judged(List<RgbImage> images, List<JsonNode> heldout) {
    List<List<String>> seen = new ArrayList<>();
    for (RgbImage image : images) {
      SceneJudge.Verdict v = SceneJudge.judge(Images.toBufferedImage(image));
      seen.add(List.of(v.color(), v.shape(), v.position(), v.background()));
    }
    return accuracies(seen, heldout);
  }

  /** The share of scenes whose attribute (in {@link #ATTRIBUTES} order in {@code seen}) matches the truth. */
  private static ObjectNode accuracies(List<List<String>> seen, List<JsonNode> heldout) {
    ObjectNode o = JSON.createObjectNode();
    for (int a = 0; a < ATTRIBUTES.size(); a++) {
      int hits = 0;
      for (int i = 0; i < heldout.size(); i++) {
        hits += heldout.get(i).get(ATTRIBUTES.get(a)).asText().equals(seen.get(i).get(a)) ? 1 : 0;
      }
      o.put(ATTRIBUTES.get(a), (double) hits / heldout.size());
    }
    return o;
  }

  private static List<RgbImage> images(ImageBatch batch) {
    List<RgbImage> images = new ArrayList<>();
    for (int i = 0; i < batch.batch(); i++) {
      images.add(Images.fromBatch(batch, i));
    }
    return images;
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

  /** report.md: the accuracies beside the ceiling, the baseline and chance, then every caption. */
  static String markdown(ObjectNode report, List<JsonNode> heldout, List<String> captions) {
    StringBuilder md = new StringBuilder("# liquidj demo report\n\n");
    md.append("Held-out scenes: ").append(heldout.size()).append(" (combinations never seen in training). ")
        .append("Contact sheet of the generated images: `").append(report.get("contact_sheet").asText()).append("`.\n\n");
    md.append(String.format(Locale.ROOT, "Sampling: guidance scale %.2f, temperature %.2f, top-p %.2f.%n%n",
        report.get("guidance_scale").asDouble(), report.get("temperature").asDouble(), report.get("top_p").asDouble()));
    md.append("| accuracy | ").append(String.join(" | ", ATTRIBUTES)).append(" |\n|---|---|---|---|---|\n");
    row(md, "text → image (judge on the generated images)", report.get("text_to_image"), null);
    row(md, "image → text (attributes read from the captions)", report.get("image_to_text"), null);
    row(md, "ceiling: judge on the VQ reconstructions of the truth images", report.get("vq_ceiling"), null);
    row(md, "baseline: always the held-out set's most common answer", report.get("majority_baseline"),
        report.get("majority_answer"));
    row(md, "chance: a uniform guess", report.get("chance"), null);
    md.append(String.format(Locale.ROOT, "%nEmpty images (the judge finds no shape in a generated image): %d of %d.%n",
        report.get("empty_images").asInt(), heldout.size()));
    md.append("""

        Text → image: each held-out caption prompts one image (classifier-free guidance); a pixel classifier
        reads the shape's colour, shape, position and background back from the decoded pixels.
        Image → text: each held-out image is encoded by the VQ tokenizer and captioned greedily.
        Ceiling: the same classifier on the held-out truth images after the VQ tokenizer's encode and decode,
        about the best text → image can score with this tokenizer: an attribute far below its ceiling is not learned
        by the model; a low ceiling means the VQ tokenizer itself loses the attribute.
        Baseline: answering every scene with the held-out set's most common value; an accuracy shows learning
        only above it. Chance: a uniform guess among the attribute's values (6 palette colours for colour and
        for background alike, 3 shapes, 5 positions).

        """);
    md.append("| held-out truth | generated caption |\n|---|---|\n");
    for (int i = 0; i < heldout.size(); i++) {
      md.append("| ").append(heldout.get(i).get("caption").asText()).append(" | ").append(captions.get(i)).append(" |\n");
    }
    return md.toString();
  }

  /** One table row: the accuracy per attribute, with the answer behind it when given. */
  private static void row(StringBuilder md, String label, JsonNode accuracy, JsonNode answer) {
    md.append("| ").append(label);
    for (String a : ATTRIBUTES) {
      md.append(String.format(Locale.ROOT, " | %.2f", accuracy.get(a).asDouble()));
      if (answer != null) {
        md.append(" (").append(answer.get(a).asText()).append(')');
      }
    }
    md.append(" |\n");
  }
}
