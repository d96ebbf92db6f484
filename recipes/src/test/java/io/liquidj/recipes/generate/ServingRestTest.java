package io.liquidj.recipes.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.cli.LiquidCli;
import io.liquidj.recipes.LiquidModules;
import io.liquidj.recipes.TestCli;
import io.liquidj.tokenizers.text.TextTokenizers;
import io.liquidj.tokenizers.text.TextTokenizersModule;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/**
 * An export as TensorFlow Serving's REST API serves it ({@link TfServingEmulator}: its JSON rules, in process on
 * 127.0.0.1), and {@code ./liquid request} as its client: a tiny Llama with the fixture VQGAN's 128 codes, 4×4 grid.
 */
class ServingRestTest {
  private static final Path VQGAN = Fixtures.fixture("vqgan");
  private static final String EXPORT = Fixtures.projectRoot().resolve("conf/recipes/export.conf").toString();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static Path exported;
  static SavedModelBundle bundle;
  static TfServingEmulator serving;

  private final TestCli cli = new TestCli();

  @BeforeAll
  static void exportATinyModel() throws Exception {
    Path model = tmp.resolve("model");
    TinyModelFolders.saveWeights(model);
    TinyModelFolders.addTokenizer(model);
    exported = tmp.resolve("serving/liquid/1");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream p = new PrintStream(log, true, StandardCharsets.UTF_8);
    int code = new LiquidCli(c -> LiquidModules.all(), p, p).run("export", EXPORT, "checkpoint=" + model,
        "generate.image-tokenizer=" + VQGAN, "generate.grid-height=4", "generate.grid-width=4",
        "generate.max-new-tokens=6", "export.output-dir=" + exported);
    assertEquals(0, code, log.toString());
    bundle = SavedModelBundle.load(exported.toString(), "serve");
    serving = new TfServingEmulator(bundle, "liquid");
  }

  @AfterAll
  static void close() {
    serving.close();
    bundle.close();
  }

  private static int[] idsOf(String text) {
    return com.google.inject.Guice.createInjector(new TextTokenizersModule()).getInstance(TextTokenizers.class)
        .load(exported.resolve("assets.extra")).encode(text, false);
  }

  @Test
  void theExportCarriesThePromptContractAndTheTokenizer() throws Exception {
    JsonNode contract = JSON.readTree(exported.resolve("assets.extra/liquid-serving.json").toFile());
    assertFalse(contract.path("prompt").path("add_special_tokens").asBoolean(true), contract.toString());
    assertEquals("left", contract.path("prompt").path("padding").asText());
    assertEquals("[\"prompt_ids\"]", contract.path("signatures").path("serving_default").path("inputs").toString());
    assertEquals("[\"codes\",\"png_bytes\"]",
        contract.path("signatures").path("serving_default").path("outputs").toString());
    assertEquals(4, contract.path("image").path("grid_height").asInt());
    assertEquals(128, contract.path("special_ids").path("num_image_codes").asInt());
    assertTrue(contract.path("special_ids").has("boi"), contract.toString());
    assertTrue(Files.isRegularFile(exported.resolve("assets.extra/tokenizer.json")));
  }

  @Test
  void everyExportedFileIsReadableAsTheUsersUmaskAllows() throws Exception {
    String folderMode = PosixFilePermissions.toString(
        Files.getPosixFilePermissions(Files.createDirectory(tmp.resolve("plain-folder"))));
    String fileMode = PosixFilePermissions.toString(
        Files.getPosixFilePermissions(Files.createFile(tmp.resolve("plain-file"))));
    try (var paths = Files.walk(exported)) {
      for (Path p : paths.toList()) {
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        assertEquals(Files.isDirectory(p) ? folderMode : fileMode, mode, p.toString());
      }
    }
  }

  @Test
  void requestWithoutAUrlPrintsACurlLineOfTheTextsIdsWithoutBos() throws Exception {
    assertEquals(0, cli.run("request", exported.toString(), "prompt=a red square"), cli.err());
    String line = cli.out().strip();
    assertTrue(line.startsWith("curl -d '") && line.endsWith("' http://localhost:8501/v1/models/liquid:predict"), line);
    JsonNode body = JSON.readTree(line.substring("curl -d '".length(), line.indexOf("' http")));
    assertEquals("serving_default", body.path("signature_name").asText());
    int[] ids = JSON.treeToValue(body.path("instances").get(0).path("prompt_ids"), int[].class);
    assertArrayEquals(idsOf("a red square"), ids);
    assertEquals(1, body.path("instances").get(0).size(), "a row holds prompt_ids alone");
  }

  @Test
  void requestPostedToTensorFlowServingWritesTheImagesItReturns() throws Exception {
    Path images = tmp.resolve("requested");
    assertEquals(0, cli.run("request", exported.toString(), serving.predictUrl(), "prompt=a red square", "samples=2",
        "output-dir=" + images), cli.err());
    int[] ids = idsOf("a red square");
    try (TInt32 t = TInt32.tensorOf(StdArrays.ndCopyOf(new int[][] {ids, ids}));
        Result direct = bundle.function("serving_default").call(Map.of("prompt_ids", t))) {
      TString pngs = (TString) direct.get("png_bytes").orElseThrow();
      for (int i = 0; i < 2; i++) {
        Path file = images.resolve(String.format("request-%02d.png", i));
        assertArrayEquals(pngs.asBytes().getObject(i), Files.readAllBytes(file), file.toString());
        BufferedImage png = ImageIO.read(file.toFile());
        assertEquals(16, png.getWidth());
        assertEquals(16, png.getHeight());
      }
    }
  }

  @Test
  void assetsExtraTokenizerNamesBoiAtTheVocabularysId() throws Exception {
    JsonNode contract = JSON.readTree(exported.resolve("assets.extra/liquid-serving.json").toFile());
    JsonNode tokenizer = JSON.readTree(exported.resolve("assets.extra/tokenizer.json").toFile());
    int boi = -1;
    for (JsonNode added : tokenizer.path("added_tokens")) {
      if (added.path("content").asText().equals("<boi>")) {
        boi = added.path("id").asInt();
      }
    }
    assertEquals(contract.path("special_ids").path("boi").asInt(), boi, "<boi> in assets.extra/tokenizer.json");
  }

  @Test
  void requestWithWidthAndHeightAsksGenerateImageForThatGridWithTheSizeAfterTheText() throws Exception {
    // the fixture VQGAN's factor is 4: 12×8 pixels are a 2-row, 3-column grid
    assertEquals(0, cli.run("request", exported.toString(), "prompt=a red square", "width=12", "height=8"), cli.err());
    String line = cli.out().strip();
    JsonNode body = JSON.readTree(line.substring("curl -d '".length(), line.indexOf("' http")));
    assertEquals("generate_image", body.path("signature_name").asText());
    JsonNode row = body.path("instances").get(0);
    int[] expected = java.util.stream.IntStream.concat(java.util.stream.IntStream.of(idsOf("a red square")),
        java.util.stream.IntStream.of(idsOf("Image Size: Width is 12 Height is 8."))).toArray();
    assertArrayEquals(expected, JSON.treeToValue(row.path("prompt_ids"), int[].class));
    assertEquals(2, row.path("grid_height").asInt());
    assertEquals(3, row.path("grid_width").asInt());
  }

  @Test
  void requestForAnotherSizePostedToTensorFlowServingWritesImagesOfThatSize() throws Exception {
    Path images = tmp.resolve("requested-wide");
    assertEquals(0, cli.run("request", exported.toString(), serving.predictUrl(), "prompt=a red square", "width=12",
        "height=8", "output-dir=" + images), cli.err());
    BufferedImage png = ImageIO.read(images.resolve("request-00.png").toFile());
    assertEquals(12, png.getWidth());
    assertEquals(8, png.getHeight());
  }

  @Test
  void rowAndColumnarRequestsGiveTheSameImagesWithPerRowSampling() throws Exception {
    String columnar = "{\"signature_name\": \"generate_image\", \"inputs\": {\"prompt_ids\": [[11, 12], [13, 14]], "
        + "\"prompt_mask\": [[1, 1], [1, 1]], \"seed\": 5, \"temperature\": 1, \"top_k\": 20, \"top_p\": 0.9, "
        + "\"guidance_scale\": 3, \"grid_height\": 4, \"grid_width\": 4}}";
    String rows = "{\"signature_name\": \"generate_image\", \"instances\": ["
        + "{\"prompt_ids\": [11, 12], \"prompt_mask\": [1, 1], \"seed\": 5, \"temperature\": 1, \"top_k\": 20, "
        + "\"top_p\": 0.9, \"guidance_scale\": 3, \"grid_height\": 4, \"grid_width\": 4},"
        + "{\"prompt_ids\": [13, 14], \"prompt_mask\": [1, 1], \"seed\": 5, \"temperature\": 1, \"top_k\": 20, "
        + "\"top_p\": 0.9, \"guidance_scale\": 3, \"grid_height\": 4, \"grid_width\": 4}]}";
    TfServingEmulator.Answer byColumn = serving.predict(columnar);
    TfServingEmulator.Answer byRow = serving.predict(rows);
    assertEquals(200, byColumn.status(), byColumn.body());
    assertEquals(200, byRow.status(), byRow.body());
    JsonNode outputs = JSON.readTree(byColumn.body()).path("outputs");
    JsonNode predictions = JSON.readTree(byRow.body()).path("predictions");
    for (int i = 0; i < 2; i++) {
      assertEquals(outputs.path("codes").get(i), predictions.get(i).path("codes"));
      byte[] png = Base64.getDecoder().decode(predictions.get(i).path("png_bytes").path("b64").asText());
      assertEquals(16, ImageIO.read(new java.io.ByteArrayInputStream(png)).getWidth());
    }
  }

  @Test
  void aRowWithoutEveryInputOfTheSignatureIsRefusedAsTensorFlowServingDoes() {
    TfServingEmulator.Answer answer = serving.predict(
        "{\"signature_name\": \"generate_image\", \"instances\": [{\"prompt_ids\": [11, 12]}]}");
    assertEquals(400, answer.status());
    assertTrue(answer.body().contains("keys must be equal to"), answer.body());
  }
}
