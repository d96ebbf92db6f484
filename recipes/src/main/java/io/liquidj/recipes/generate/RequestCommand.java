package io.liquidj.recipes.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.UserError;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.config.ConfigReads;
import io.liquidj.framework.data.ImageSizePrompt;
import io.liquidj.framework.generate.GenerationGraph;
import io.liquidj.framework.generate.ServingContract;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.tokenizer.TextTokenizer;
import io.liquidj.tokenizers.text.TextTokenizers;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.IntStream;

/**
 * {@code ./liquid request export/1 [http://host:8501/v1/models/liquid:predict] prompt="a red square"}: the
 * TensorFlow Serving REST request (row format) for a text → image prompt, built by the export's own contract
 * ({@code assets.extra/liquid-serving.json}: the user's text only, no {@code <bos>}) and tokenizer. With {@code
 * width=}/{@code height=} (pixels) it asks {@code generate_image} for that code grid and ends the prompt with the size
 * text the contract names ({@code Image Size: Width is W Height is H.}), as {@code ./liquid generate} does. Without a URL
 * it prints a curl line to copy; with one it posts the request and writes each image's {@code png_bytes} to {@code
 * out/request-NN.png}. The export folder is needed either way: a URL alone does not say how to tokenize.
 */
@CommandHelp(
    summary = "Build a TensorFlow Serving REST request for an export (prints a curl line), or post it and write the PNGs",
    examples = {"./liquid request runs/demo/export/1 prompt=\"a red circle\" samples=1 output-dir=runs/requested"},
    configSections = {"prompt", "samples", "width", "height", "output-dir"})
public final class RequestCommand implements LiquidCommand {
  private final TextTokenizers tokenizers;

  @Inject
  RequestCommand(TextTokenizers tokenizers) {
    this.tokenizers = tokenizers;
  }

  @Override
  public String usage() {
    return "<export-dir> [<predict-url>] prompt=\"...\" [samples=1] [width= height=] [output-dir=samples]";
  }

  @Override
  public int maxArguments() {
    return 2;
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    Path export = Path.of(invocation.argument(0, "an export folder written by ./liquid export (e.g. export/1)"));
    ServingContract contract = ServingContract.read(export);
    String prompt = invocation.config().getString("prompt");
    int samples = invocation.config().getInt("samples");
    if (prompt.isBlank()) {
      throw new UserError("prompt is empty: give the text of the image, e.g. prompt=\"a red square\"");
    }
    if (samples < 1) {
      throw new UserError("samples = " + samples + ": expected at least 1 image");
    }
    TextTokenizer tokenizer = tokenizers.load(export.resolve(ServingContract.ASSETS_EXTRA));
    boolean addSpecialTokens = contract.json().path("prompt").path("add_special_tokens").asBoolean();
    int[] ids = tokenizer.encode(prompt, addSpecialTokens);
    int width = ConfigReads.nonNegativeInt(invocation.config(), "width");
    int height = ConfigReads.nonNegativeInt(invocation.config(), "height");
    if ((width == 0) != (height == 0)) {
      throw ConfigReads.bad(invocation.config(), width == 0 ? "width" : "height", "width and height go together "
          + "(pixels, multiples of the export's downsample_factor), got width=" + width + " height=" + height);
    }
    String body;
    if (width > 0 && !saidByTemplate(export, contract, width, height)) {
      int factor = downsampleFactor(export, contract, width, height);
      List<String> inputs = contract.inputs(GenerationGraph.GENERATE_IMAGE);
      if (!inputs.contains("grid_height") || !inputs.contains("grid_width")) {
        throw new UserError(export + ": generate_image takes no grid_height/grid_width (an export of an earlier "
            + "liquidj: export it again)");
      }
      // the size goes after the user's text, tokenized on its own, as ./liquid generate width= tokenizes it
      int[] size = tokenizer.encode(ImageSizePrompt.text(width, height), addSpecialTokens);
      body = gridBody(IntStream.concat(IntStream.of(ids), IntStream.of(size)).toArray(), samples, height / factor,
          width / factor, inputs, contract.json().path("sampling_defaults"));
    } else {
      List<String> inputs = contract.inputs("serving_default");
      if (!inputs.equals(List.of("prompt_ids"))) {
        throw new UserError(export + ": serving_default takes " + inputs + ", this client sends prompt_ids only "
            + "(an export of an earlier liquidj: export it again)");
      }
      body = body(ids, samples);
    }
    if (invocation.arguments().size() < 2) {
      String model = export.toAbsolutePath().normalize().getParent().getFileName().toString();
      invocation.out().println("curl -d '" + body + "' http://localhost:8501/v1/models/" + model + ":predict");
      return 0;
    }
    URI url = URI.create(invocation.argument(1, "the predict URL"));
    JsonNode answer = post(url, body);
    Path out = Path.of(invocation.config().getString("output-dir"));
    Files.createDirectories(out);
    JsonNode predictions = answer.path("predictions");
    for (int i = 0; i < predictions.size(); i++) {
      JsonNode png = predictions.get(i).path(GenerationGraph.PNG_BYTES).path("b64");
      if (!png.isTextual()) {
        throw new UserError(url + " answered without " + GenerationGraph.PNG_BYTES + " (an export without "
            + "generate.image-tokenizer returns codes only): " + predictions.get(i).fieldNames().next());
      }
      byte[] bytes = Base64.getDecoder().decode(png.asText());
      Path file = out.resolve(String.format("request-%02d.png", i));
      AtomicFiles.write(file, ch -> ch.write(java.nio.ByteBuffer.wrap(bytes)));
      invocation.out().println("wrote " + file);
    }
    return 0;
  }

  /** The row-format body: one instance per sample, each the prompt's ids alone. */
  static String body(int[] promptIds, int samples) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("signature_name", "serving_default");
    var instances = root.putArray("instances");
    for (int i = 0; i < samples; i++) {
      var ids = instances.addObject().putArray("prompt_ids");
      for (int id : promptIds) {
        ids.add(id);
      }
    }
    return root.toString();
  }

  /**
   * Whether the export's own template says this size (an export made with width/height); another size is a user
   * error, since the prompt would say two.
   */
  private static boolean saidByTemplate(Path export, ServingContract contract, int width, int height) {
    JsonNode template = contract.json().path("image").path("template_size");
    if (template.isMissingNode()) {
      return false;
    }
    if (template.path("width").asInt() != width || template.path("height").asInt() != height) {
      throw new UserError(export + " was exported for width=" + template.path("width").asInt() + " height="
          + template.path("height").asInt() + " (its template says so): ask that size, or export again without "
          + "width/height to ask width=" + width + " height=" + height);
    }
    return true;
  }

  /** The export's pixels per code side, or a user error when the size is not a whole grid of it. */
  private static int downsampleFactor(Path export, ServingContract contract, int width, int height) {
    int factor = contract.json().path("image").path("downsample_factor").asInt(0);
    if (factor == 0) {
      throw new UserError(export + " names no downsample_factor (exported without generate.image-tokenizer, or by an "
          + "earlier liquidj): width/height need the VQGAN's pixels per code");
    }
    if (width % factor != 0 || height % factor != 0) {
      throw new UserError("width=" + width + " height=" + height + ": both must be multiples of the export's "
          + "downsample_factor " + factor + ", e.g. width=" + Math.max(factor, width / factor * factor) + " height="
          + Math.max(factor, height / factor * factor));
    }
    return factor;
  }

  /**
   * The row-format body for {@code generate_image} on a gridHeight × gridWidth grid: TensorFlow Serving wants every
   * input in every row, so each row also holds the mask and the contract's sampling defaults.
   */
  static String gridBody(int[] promptIds, int samples, int gridHeight, int gridWidth, List<String> inputs,
      JsonNode samplingDefaults) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("signature_name", GenerationGraph.GENERATE_IMAGE);
    var instances = root.putArray("instances");
    for (int i = 0; i < samples; i++) {
      ObjectNode row = instances.addObject();
      for (String name : inputs) {
        switch (name) {
          case "prompt_ids" -> IntStream.of(promptIds).forEach(row.putArray(name)::add);
          case "prompt_mask" -> {
            var mask = row.putArray(name);
            IntStream.of(promptIds).forEach(id -> mask.add(1));
          }
          case "grid_height" -> row.put(name, gridHeight);
          case "grid_width" -> row.put(name, gridWidth);
          default -> {
            if (!samplingDefaults.has(name)) {
              throw new UserError("generate_image takes " + name + ", which the contract gives no default for "
                  + "(an export of another liquidj: export it again)");
            }
            row.set(name, samplingDefaults.get(name));
          }
        }
      }
    }
    return root.toString();
  }

  private static JsonNode post(URI url, String body) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpRequest request = HttpRequest.newBuilder(url).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (java.net.ConnectException e) {
      throw new UserError(url + ": nothing answers there (is TensorFlow Serving running with --rest_api_port?)");
    }
    JsonNode json;
    try {
      json = new ObjectMapper().readTree(response.body());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UserError(url + " answered " + response.statusCode() + " with something other than JSON");
    }
    if (response.statusCode() != 200 || json.has("error")) {
      throw new UserError(url + " answered " + response.statusCode() + ": " + json.path("error").asText(response.body()));
    }
    return json;
  }
}
