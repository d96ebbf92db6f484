package io.liquidj.recipes.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.generate.GenerationClient;
import io.liquidj.framework.generate.SamplingSettings;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.recipes.TestCli;
import io.liquidj.tokenizers.text.TextTokenizers;
import io.liquidj.tokenizers.text.TextTokenizersModule;
import io.liquidj.tokenizers.vqgan.VqganTokenizer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.DataType;

/**
 * {@code ./liquid generate} and {@code ./liquid export} as a user runs them, on a random tiny Llama
 * extended with the fixture VQGAN's 128 codes (a 4×4 code grid: 16×16-pixel images).
 */
class GenerateCliTest {
  private static final Path VQGAN = Fixtures.fixture("vqgan");
  private static final String GENERATE = Fixtures.projectRoot().resolve("conf/recipes/generate.conf").toString();
  private static final String EXPORT = Fixtures.projectRoot().resolve("conf/recipes/export.conf").toString();

  private static final TextTokenizers TOKENIZERS =
      Guice.createInjector(new TextTokenizersModule()).getInstance(TextTokenizers.class);

  @TempDir static Path tmp;
  /** config.json, model.safetensors and the tokenizer in one folder. */
  static Path model;
  /** config.json and model.safetensors only, as the trainer writes them. */
  static Path trained;

  private final TestCli cli = new TestCli();

  @BeforeAll
  static void tinyExtendedModel() throws Exception {
    trained = tmp.resolve("trained");
    TinyModelFolders.saveWeights(trained);
    model = Files.createDirectories(tmp.resolve("model"));
    for (String f : List.of("config.json", "model.safetensors")) {
      Files.copy(trained.resolve(f), model.resolve(f));
    }
    TinyModelFolders.addTokenizer(model);
  }

  private static String[] args(String command, String conf, String... more) {
    List<String> a = new ArrayList<>(List.of(command, conf, "generate.image-tokenizer=" + VQGAN,
        "generate.grid-height=4", "generate.grid-width=4", "generate.max-new-tokens=6"));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  @Test
  void generateWritesSamplesAndAContactSheetThenCaptionsOneAndAnswersText() throws Exception {
    Path samples = tmp.resolve("samples");
    assertEquals(0, cli.run(args("generate", GENERATE, "checkpoint=" + model, "prompt=a red square", "samples=2",
        "output-dir=" + samples)), cli.err());
    // Each sample is the VQGAN's decode of its row of codes.txt.
    int[][] codes = Files.readAllLines(samples.resolve("codes.txt")).stream()
        .map(line -> Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray()).toArray(int[][]::new);
    assertEquals(2, codes.length);
    try (VqganTokenizer vqgan = VqganTokenizer.load(VQGAN)) {
      var decoded = vqgan.decode(codes, 4, 4);
      for (int i = 0; i < codes.length; i++) {
        BufferedImage png = ImageIO.read(samples.resolve(String.format("sample-%02d.png", i)).toFile());
        assertTrue(worstChannelDifference(png, Images.fromBatch(decoded, i)) <= 1, "sample " + i);
      }
    }
    assertTrue(Files.isRegularFile(samples.resolve("contact-sheet.png")), cli.out());

    Path caption = tmp.resolve("caption");
    assertEquals(0, cli.run(args("generate", GENERATE, "checkpoint=" + model, "mode=caption",
        "image=" + samples.resolve("sample-00.png"), "prompt=what is it?", "output-dir=" + caption)), cli.err());
    assertAnswerFileIsThePrintedAnswer(Files.readString(caption.resolve("caption.txt")));

    Path text = tmp.resolve("text");
    assertEquals(0, cli.run(args("generate", GENERATE, "checkpoint=" + model, "mode=text", "prompt=a red",
        "output-dir=" + text)), cli.err());
    assertAnswerFileIsThePrintedAnswer(Files.readString(text.resolve("text.txt")));
  }

  @Test
  void widthAndHeightGiveImagesOfThatSizeFromAnHByWGrid() throws Exception {
    // the fixture VQGAN's factor is 4: 24×16 pixels are a 4-row, 6-column grid
    Path samples = tmp.resolve("wide");
    assertEquals(0, cli.run(args("generate", GENERATE, "checkpoint=" + model, "prompt=a red square", "samples=1",
        "width=24", "height=16", "output-dir=" + samples)), cli.err());
    List<String> rows = Files.readAllLines(samples.resolve("codes.txt"));
    assertEquals(1, rows.size());
    assertEquals(4 * 6, rows.get(0).split(" ").length);
    BufferedImage png = ImageIO.read(samples.resolve("sample-00.png").toFile());
    assertEquals(24, png.getWidth());
    assertEquals(16, png.getHeight());

    Path exported = tmp.resolve("export-wide/1");
    assertEquals(0, cli.run(args("export", EXPORT, "checkpoint=" + model, "width=24", "height=16",
        "export.output-dir=" + exported)), cli.err());
    try (SavedModelBundle bundle = SavedModelBundle.load(exported.toString(), "serve")) {
      GenerationClient.Images served = GenerationClient.of(bundle).generateImagePngs(new int[][] {{10, 11}},
          SamplingSettings.liquidDefaults());
      assertEquals(4 * 6, served.codes()[0].length);
      BufferedImage servedPng = ImageIO.read(new ByteArrayInputStream(served.pngs()[0]));
      assertEquals(24, servedPng.getWidth());
      assertEquals(16, servedPng.getHeight());
    }
  }

  @Test
  void anExportAskedForATwoByThreeGridReturnsSixCodesAndAPngOfThatShape() throws Exception {
    Path exported = tmp.resolve("export-any-grid/1");
    assertEquals(0, cli.run(args("export", EXPORT, "checkpoint=" + model, "export.output-dir=" + exported)), cli.err());
    try (SavedModelBundle bundle = SavedModelBundle.load(exported.toString(), "serve")) {
      GenerationClient client = GenerationClient.of(bundle);
      // the fixture VQGAN's factor is 4: a 2-row, 3-column grid is 12 pixels across, 8 down
      GenerationClient.Images wide = client.generateImagePngs(new int[][] {{10, 11}}, SamplingSettings.liquidDefaults(),
          2, 3);
      assertEquals(2 * 3, wide.codes()[0].length);
      BufferedImage widePng = ImageIO.read(new ByteArrayInputStream(wide.pngs()[0]));
      assertEquals(12, widePng.getWidth());
      assertEquals(8, widePng.getHeight());
      // left out, the grid is the export's square default
      GenerationClient.Images square = client.generateImagePngs(new int[][] {{10, 11}}, SamplingSettings.liquidDefaults());
      assertEquals(4 * 4, square.codes()[0].length);
      assertEquals(16, ImageIO.read(new ByteArrayInputStream(square.pngs()[0])).getWidth());
    }
  }

  /** An answer file holds the answer the command printed, and a newline. */
  private void assertAnswerFileIsThePrintedAnswer(String file) {
    assertTrue(file.endsWith("\n"), file);
    assertTrue(cli.out().replace("\r", "").contains(file), file + " vs\n" + cli.out());
  }

  /** The largest difference, in 0–255 levels over every pixel and channel, between a PNG and an image. */
  private static int worstChannelDifference(BufferedImage png, RgbImage expected) {
    assertEquals(expected.width(), png.getWidth());
    assertEquals(expected.height(), png.getHeight());
    int worst = 0;
    for (int y = 0; y < png.getHeight(); y++) {
      for (int x = 0; x < png.getWidth(); x++) {
        int rgb = png.getRGB(x, y);
        for (int c = 0; c < 3; c++) {
          int got = (rgb >> (16 - 8 * c)) & 0xff;
          worst = Math.max(worst, Math.abs(got - expected.get(x, y, c)));
        }
      }
    }
    return worst;
  }

  @Test
  void promptsLongerThanTheContextAreRefusedInOneLine() throws Exception {
    String longPrompt = "a red square ".repeat(100); // 1300 characters, far over tiny-llama's 256 positions
    for (String mode : List.of("image", "text", "caption")) {
      assertEquals(2, cli.run(args("generate", GENERATE, "checkpoint=" + model, "mode=" + mode, "prompt=" + longPrompt,
          "image=" + tmp.resolve("never-read.png"), "output-dir=" + tmp.resolve("long-" + mode))), cli.out());
      String error = cli.err();
      assertTrue(error.contains("more than the model's context of 256") && error.strip().lines().count() == 1, error);
    }
  }

  @Test
  void exportOfATrainersFolderServesPngsThatTheVqganDecodes() throws Exception {
    Path exported = tmp.resolve("export/1");
    assertEquals(0, cli.run(args("export", EXPORT, "checkpoint=" + trained, "generate.tokenizer=" + model,
        "export.output-dir=" + exported)), cli.err());
    assertTrue(Files.isRegularFile(exported.resolve("variables/variables.index")));
    try (SavedModelBundle bundle = SavedModelBundle.load(exported.toString(), "serve");
        VqganTokenizer vqgan = VqganTokenizer.load(VQGAN)) {
      var image = bundle.metaGraphDef().getSignatureDefMap().get("generate_image");
      assertEquals(DataType.DT_STRING, image.getOutputsOrThrow("png_bytes").getDtype());
      int[][] prompts = {{10, 11, 12}, {13, 14}};
      GenerationClient.Images served = GenerationClient.of(bundle).generateImagePngs(prompts, SamplingSettings.liquidDefaults());
      var decoded = vqgan.decode(served.codes(), 4, 4);
      for (int i = 0; i < prompts.length; i++) {
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(served.pngs()[i]));
        int worst = worstChannelDifference(png, Images.fromBatch(decoded, i));
        assertTrue(worst <= 1, "image " + i + ": a pixel differs by " + worst + " levels");
      }
      int[][] caption = GenerationClient.of(bundle).caption(served.codes(), new int[][] {{10}, {11}},
          new SamplingSettings(1, 0, 0, 1, 0));
      assertEquals(2, caption.length);
      // Captions are text: every id is one of the tokenizer's, none an image code or <boi>/<eoi>.
      TextTokenizer tokenizer = TOKENIZERS.load(model);
      for (int[] ids : caption) {
        for (int id : ids) {
          assertTrue(id >= 0 && id < tokenizer.size(), "caption id " + id + " of " + Arrays.toString(ids)
              + " is not a text token (tokenizer: " + tokenizer.size() + " ids)");
        }
        tokenizer.decode(ids, true);
      }
    }
    assertFalse(Files.exists(trained.resolve("tokenizer.json")));
  }

  @Test
  void exportIntoAFolderHoldingOtherFilesIsRefusedNamingTheKeyUnlessOverwrite() throws Exception {
    Path folder = Files.createDirectories(tmp.resolve("runs/demo"));
    Path notes = Files.writeString(folder.resolve("notes.txt"), "a run of mine");
    String[] export = args("export", EXPORT, "checkpoint=" + trained, "generate.tokenizer=" + model,
        "export.output-dir=" + folder);
    assertEquals(2, cli.run(export));
    assertTrue(cli.err().contains("export.output-dir = " + folder + " already holds files liquidj did not write (notes.txt)"),
        cli.err());
    assertTrue(cli.err().contains("export.overwrite=true"), cli.err());
    assertTrue(Files.isRegularFile(notes));

    List<String> overwrite = new ArrayList<>(List.of(export));
    overwrite.add("export.overwrite=true");
    assertEquals(0, cli.run(overwrite.toArray(String[]::new)), cli.err());
    assertFalse(Files.exists(notes));
    assertTrue(Files.isRegularFile(folder.resolve("saved_model.pb")));
  }
}
