package io.liquidj.recipes.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.UserError;
import io.liquidj.framework.cli.Command;
import io.liquidj.framework.cli.Invocation;
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

/**
 * {@code ./liquid request export/1 [http://host:8501/v1/models/liquid:predict] prompt="a red square"}: the
 * TensorFlow Serving REST request (row format) for a text → image prompt, built by the export's own contract
 * ({@code assets.extra/liquid-serving.json}: the user's text only, no {@code <bos>}) and tokenizer. Without a URL
 * it prints a curl line to copy; with one it posts the request and writes each image's {@code png_bytes} to {@code
 * out/request-NN.png}. The export folder is needed either way: a URL alone does not say how to tokenize.
 */
public final class RequestCommand implements Command {
  private final TextTokenizers tokenizers;

  @Inject
  RequestCommand(TextTokenizers tokenizers) {
    this.tokenizers = tokenizers;
  }

  @Override
  public List<String> examples() {
    return List.of("./liquid request runs/demo/export/1 prompt=\"a red circle\" samples=1 output-dir=runs/requested");
  }

  @Override
  public String summary() {
    return "Build a TensorFlow Serving REST request for an export (prints a curl line), or post it and write the PNGs";
  }

  @Override
  public String usage() {
    return "<export-dir> [<predict-url>] prompt=\"...\" [samples=1] [output-dir=samples]";
  }

  @Override
  public int maxArguments() {
    return 2;
  }

  @Override
  public List<String> configSections() {
    return List.of("prompt", "samples", "output-dir");
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
    List<String> inputs = contract.inputs("serving_default");
    if (!inputs.equals(List.of("prompt_ids"))) {
      throw new UserError(export + ": serving_default takes " + inputs + ", this client sends prompt_ids only "
          + "(an export of an earlier liquidj: export it again)");
    }
    TextTokenizer tokenizer = tokenizers.load(export.resolve(ServingContract.ASSETS_EXTRA));
    String body = body(tokenizer.encode(prompt, contract.json().path("prompt").path("add_special_tokens").asBoolean()),
        samples);
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
