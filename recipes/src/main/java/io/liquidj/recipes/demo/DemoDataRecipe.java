package io.liquidj.recipes.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.config.ConfigReads;
import io.liquidj.framework.io.AtomicFiles;
import jakarta.inject.Inject;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * {@code ./liquid demo-data}: writes the demo's synthetic dataset under {@code demo.output-dir/data}:
 * {@code images/*.png} with {@code pairs.jsonl} ({@code {"image", "caption"}}), a text-only corpus
 * {@code text.jsonl} ({@code {"text"}}), and held-out scenes {@code heldout.jsonl} (prompt, truth,
 * image) for generation and captioning.
 */
@CommandHelp(
    summary = "Write the demo's synthetic shapes dataset (images + captions, text corpus, held-out scenes)",
    examples = {"./liquid demo-data demo.output-dir=runs/demo"},
    configSections = {"demo"})
public final class DemoDataRecipe implements LiquidCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Liquid's fixed template texts (data.t2i-suffix, data.i2t-prefix), taught to the demo tokenizer. */
  private static final List<String> TEMPLATE_TEXTS =
      List.of(" Generate an image based on this description.", "The caption of this image is:");

  /** The demo's data settings. */
  public record DemoSettings(Path outDir, long seed, int imageSize, int pairs, int jitter, int textDocs, int heldout) {
    /** Reads {@code demo.*}. */
    public static DemoSettings from(Config c) {
      return new DemoSettings(
          Path.of(c.getString("demo.output-dir")),
          c.getLong("demo.seed"),
          ConfigReads.positiveInt(c, "demo.image-size"),
          ConfigReads.positiveInt(c, "demo.pairs"),
          ConfigReads.nonNegativeInt(c, "demo.jitter"),
          ConfigReads.nonNegativeInt(c, "demo.text-docs"),
          ConfigReads.positiveInt(c, "demo.heldout"));
    }

    /** The data folder. */
    public Path dataDir() {
      return outDir.resolve("data");
    }
  }

  @Inject
  DemoDataRecipe() {}

  @Override
  public int run(Invocation invocation) throws IOException {
    DemoSettings s = DemoSettings.from(invocation.config());
    write(s);
    invocation.out().println("demo-data: " + s.pairs() + " pairs, " + s.textDocs() + " text documents, "
        + s.heldout() + " held-out scenes in " + s.dataDir());
    return 0;
  }

  /**
   * Writes the dataset (idempotent: the same seed gives the same files). The held-out scenes are
   * combinations (colour, shape, position, background) that never occur in the training pairs, so the
   * report measures generalisation to new prompts, not recall of seen ones.
   */
  public static void write(DemoSettings s) throws IOException {
    Path data = s.dataDir();
    Path images = data.resolve("images");
    Files.createDirectories(images);
    List<ShapeScene> heldoutScenes = new ArrayList<>();
    Random heldoutRandom = new Random(s.seed() + 1_000_003L);
    while (heldoutScenes.size() < s.heldout()) {
      ShapeScene scene = ShapeScene.random(heldoutRandom);
      if (!heldoutScenes.contains(scene)) {
        heldoutScenes.add(scene);
      }
    }
    Random random = new Random(s.seed());
    Random jitter = new Random(s.seed() + 2_000_003L); // its own stream: the scenes and texts stay as without it
    StringBuilder pairs = new StringBuilder();
    List<Drawing> drawings = new ArrayList<>();
    for (int i = 0; i < s.pairs(); i++) {
      ShapeScene scene = ShapeScene.random(random);
      while (heldoutScenes.contains(scene)) {
        scene = ShapeScene.random(random);
      }
      String name = String.format("%05d.png", i);
      int j = s.jitter();
      // With jitter 0 every draw is nextInt(1) - 0 = 0: the scene drawn exactly, as the held-out truth is.
      drawings.add(new Drawing(scene, jitter.nextInt(2 * j + 1) - j, jitter.nextInt(2 * j + 1) - j,
          jitter.nextInt(2 * j + 1) - j, images.resolve(name)));
      pairs.append(line("image", "images/" + name, "caption", scene.caption()));
    }
    // The draws above stay in order (same seed, same files); drawing and PNG encoding use every core.
    try {
      drawings.parallelStream().forEach(d -> d.write(s.imageSize()));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    AtomicFiles.writeString(data.resolve("pairs.jsonl"), pairs.toString());

    StringBuilder text = new StringBuilder();
    for (int i = 0; i < s.textDocs(); i++) {
      text.append(line("text", sentence(random), null, null));
    }
    AtomicFiles.writeString(data.resolve("text.jsonl"), text.toString());
    // The sequence templates' fixed texts, so the demo's BPE learns them as a few tokens.
    StringBuilder templates = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      for (String t : TEMPLATE_TEXTS) {
        templates.append(line("text", t, null, null));
      }
    }
    AtomicFiles.writeString(data.resolve("templates.jsonl"), templates.toString());

    Path heldoutImages = data.resolve("heldout");
    Files.createDirectories(heldoutImages);
    StringBuilder heldout = new StringBuilder();
    for (int i = 0; i < s.heldout(); i++) {
      ShapeScene scene = heldoutScenes.get(i);
      String name = String.format("h%03d.png", i);
      ImageIO.write(scene.render(s.imageSize()), "png", heldoutImages.resolve(name).toFile());
      ObjectNode o = JSON.createObjectNode();
      o.put("image", "heldout/" + name);
      o.put("caption", scene.caption());
      o.put("color", scene.color());
      o.put("shape", scene.shape());
      o.put("position", scene.position());
      o.put("background", scene.background());
      heldout.append(JSON.writeValueAsString(o)).append('\n');
    }
    AtomicFiles.writeString(data.resolve("heldout.jsonl"), heldout.toString());
  }

  /** One training picture to draw: a scene with its shape moved by (dx, dy) and grown by {@code grow}. */
  private record Drawing(ShapeScene scene, int dx, int dy, int grow, Path file) {
    void write(int size) {
      try {
        ImageIO.write(scene.render(size, dx, dy, grow), "png", file.toFile());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** A short sentence about the scenes' world, for the text-only corpus. */
  static String sentence(Random random) {
    List<String> c = ShapeScene.COLORS;
    List<String> templates = new ArrayList<>(List.of(
        "the %s %s is next to the %s one.",
        "a %s %s is drawn on a %s page.",
        "there is a %s %s under a %s sky.",
        "my favourite toy is a %s %s on %s paper."));
    String t = templates.get(random.nextInt(templates.size()));
    String a = c.get(random.nextInt(c.size()));
    String b = ShapeScene.SHAPES.get(random.nextInt(ShapeScene.SHAPES.size()));
    String d = c.get(random.nextInt(c.size()));
    return String.format(t, a, b, d);
  }

  private static String line(String k1, String v1, String k2, String v2) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put(k1, v1);
    if (k2 != null) {
      o.put(k2, v2);
    }
    return JSON.writeValueAsString(o) + "\n";
  }
}
