package io.liquidj.recipes.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * TensorFlow Serving's REST predict endpoint in miniature, for tests: {@code POST
 * /v1/models/<name>[/versions/<v>]:predict} on 127.0.0.1, evaluated by a loaded SavedModel with the JSON ↔ tensor
 * rules of TF Serving's {@code tensorflow_serving/util/json_tensor.cc} (as of 2.x, read in research
 * tf-serving-rest.md): row format ({@code instances}: every element an object with exactly the signature's inputs,
 * stacked under a batch dimension) or columnar ({@code inputs}: every input, shapes as given); an int into a float
 * input is fine, 3.5 into an int input is refused; {@code {"b64": ...}} for string inputs; string outputs named
 * {@code *_bytes} come back as {@code {"b64": ...}}, other strings raw; row responses need every output batched
 * alike. Errors are {@code {"error": ...}} with status 400.
 */
final class TfServingEmulator implements AutoCloseable {
  private final SavedModelBundle bundle;
  private final String model;
  private final HttpServer server;

  TfServingEmulator(SavedModelBundle bundle, String model) throws IOException {
    this.bundle = bundle;
    this.model = model;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/models/", this::handle);
    server.setExecutor(Executors.newSingleThreadExecutor());
    server.start();
  }

  /** The predict URL of the model. */
  String predictUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/models/" + model + ":predict";
  }

  /** Evaluates one request body as TF Serving would; the response body and its status. */
  record Answer(int status, String body) {}

  Answer predict(String body) {
    try {
      return new Answer(200, evaluate(new ObjectMapper().readTree(body)).toString());
    } catch (IllegalArgumentException | IOException | org.tensorflow.exceptions.TensorFlowException e) {
      ObjectNode error = JsonNodeFactory.instance.objectNode().put("error", e.getMessage());
      return new Answer(400, error.toString());
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    Answer answer;
    String path = exchange.getRequestURI().getPath();
    if (!exchange.getRequestMethod().equals("POST") || !path.matches("/v1/models/" + model + "(/versions/\\d+)?:predict")) {
      answer = new Answer(404, "{\"error\": \"Malformed request: " + exchange.getRequestMethod() + " " + path + "\"}");
    } else {
      answer = predict(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    }
    byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(answer.status(), bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private JsonNode evaluate(JsonNode doc) {
    if (!doc.isObject()) {
      throw new IllegalArgumentException("JSON Value: " + doc + " Is not object");
    }
    String key = doc.has("signature_name") ? doc.get("signature_name").asText() : "serving_default";
    SignatureDef sig = bundle.metaGraphDef().getSignatureDefMap().get(key);
    if (sig == null) {
      throw new IllegalArgumentException("Serving signature key \"" + key + "\" not found.");
    }
    boolean rows = doc.has("instances");
    if (rows == doc.has("inputs")) {
      throw new IllegalArgumentException(rows ? "Not formatted correctly expecting only one of 'inputs' or 'instances'"
          : "Missing 'inputs' or 'instances' key");
    }
    Map<String, Tensor> in = rows ? fromInstances(doc.get("instances"), sig) : fromInputs(doc.get("inputs"), sig);
    try (Result result = bundle.function(key).call(in)) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      new TreeSet<>(sig.getOutputsMap().keySet()).forEach(name -> out.put(name, result.get(name).orElseThrow()));
      return rows ? predictions(out) : outputs(out);
    } finally {
      in.values().forEach(Tensor::close);
    }
  }

  private static Map<String, Tensor> fromInstances(JsonNode instances, SignatureDef sig) {
    if (!instances.isArray() || instances.isEmpty()) {
      throw new IllegalArgumentException("No values in 'instances' array");
    }
    var names = new TreeSet<>(sig.getInputsMap().keySet());
    boolean objects = instances.get(0).isObject() && !isB64(instances.get(0));
    if (!objects && names.size() > 1) {
      throw new IllegalArgumentException("instances is a plain list, but expecting list of objects as multiple input "
          + "tensors required as per tensorinfo_map");
    }
    Map<String, List<JsonNode>> columns = new HashMap<>();
    for (int i = 0; i < instances.size(); i++) {
      JsonNode row = instances.get(i);
      if (objects) {
        var keys = new TreeSet<String>();
        row.fieldNames().forEachRemaining(keys::add);
        if (!keys.equals(names)) {
          throw new IllegalArgumentException("Failed to process element: " + i + " of 'instances' list. JSON object: "
              + row + " keys must be equal to: " + String.join(",", names));
        }
        names.forEach(n -> columns.computeIfAbsent(n, k -> new ArrayList<>()).add(row.get(n)));
      } else {
        columns.computeIfAbsent(names.first(), k -> new ArrayList<>()).add(row);
      }
    }
    Map<String, Tensor> tensors = new HashMap<>();
    columns.forEach((name, values) -> {
      ArrayNode stacked = JsonNodeFactory.instance.arrayNode().addAll(values);
      List<Long> first = shape(values.get(0));
      for (JsonNode v : values) {
        if (!shape(v).equals(first)) {
          throw new IllegalArgumentException("Expecting shape " + first + " but got: " + shape(v));
        }
      }
      tensors.put(name, tensor(stacked, sig.getInputsOrThrow(name).getDtype()));
    });
    return tensors;
  }

  private static Map<String, Tensor> fromInputs(JsonNode inputs, SignatureDef sig) {
    Map<String, Tensor> tensors = new HashMap<>();
    if (!inputs.isObject() || isB64(inputs)) {
      if (sig.getInputsCount() > 1) {
        throw new IllegalArgumentException("inputs is a plain value/list, but expecting an object as multiple input "
            + "tensors required as per tensorinfo_map");
      }
      String name = sig.getInputsMap().keySet().iterator().next();
      tensors.put(name, tensor(inputs, sig.getInputsOrThrow(name).getDtype()));
      return tensors;
    }
    for (String name : new TreeSet<>(sig.getInputsMap().keySet())) {
      if (!inputs.has(name)) {
        throw new IllegalArgumentException("Missing named input: " + name + " in 'inputs' object.");
      }
      tensors.put(name, tensor(inputs.get(name), sig.getInputsOrThrow(name).getDtype()));
    }
    return tensors;
  }

  /** The dense shape of a (nested) JSON list: the first element's at each level, as GetDenseTensorShape. */
  private static List<Long> shape(JsonNode v) {
    List<Long> dims = new ArrayList<>();
    for (JsonNode n = v; n.isArray(); n = n.isEmpty() ? JsonNodeFactory.instance.nullNode() : n.get(0)) {
      dims.add((long) n.size());
    }
    return dims;
  }

  private static Tensor tensor(JsonNode value, DataType dtype) {
    List<Long> dims = shape(value);
    List<JsonNode> leaves = new ArrayList<>();
    leaves(value, 0, dims, leaves);
    Shape shape = Shape.of(dims.stream().mapToLong(Long::longValue).toArray());
    switch (dtype) {
      case DT_INT32 -> {
        int[] a = new int[leaves.size()];
        for (int i = 0; i < a.length; i++) {
          JsonNode n = leaves.get(i);
          if (!n.isInt()) {
            throw new IllegalArgumentException("JSON Value: " + n + " is not of expected type: int32");
          }
          a[i] = n.intValue();
        }
        return TInt32.tensorOf(shape, DataBuffers.of(a, true, false));
      }
      case DT_INT64 -> {
        long[] a = new long[leaves.size()];
        for (int i = 0; i < a.length; i++) {
          JsonNode n = leaves.get(i);
          if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new IllegalArgumentException("JSON Value: " + n + " is not of expected type: int64");
          }
          a[i] = n.longValue();
        }
        return TInt64.tensorOf(shape, DataBuffers.of(a, true, false));
      }
      case DT_FLOAT -> {
        float[] a = new float[leaves.size()];
        for (int i = 0; i < a.length; i++) {
          JsonNode n = leaves.get(i);
          if (!n.isNumber()) {
            throw new IllegalArgumentException("JSON Value: " + n + " is not of expected type: float");
          }
          a[i] = n.floatValue();
        }
        return TFloat32.tensorOf(shape, DataBuffers.of(a, true, false));
      }
      case DT_STRING -> {
        byte[][] a = new byte[leaves.size()][];
        for (int i = 0; i < a.length; i++) {
          JsonNode n = leaves.get(i);
          a[i] = isB64(n) ? Base64.getDecoder().decode(n.get("b64").asText())
              : n.asText().getBytes(StandardCharsets.UTF_8);
        }
        return TString.tensorOfBytes(org.tensorflow.ndarray.NdArrays.wrap(shape, DataBuffers.ofObjects(a)));
      }
      default -> throw new IllegalArgumentException("Conversion of JSON Value to type: " + dtype);
    }
  }

  private static void leaves(JsonNode v, int level, List<Long> dims, List<JsonNode> out) {
    if (!v.isArray()) {
      if (level != dims.size()) {
        throw new IllegalArgumentException("JSON Value: " + v + " found at incorrect level: " + (level + 1)
            + " in the JSON DOM. Expected at level: " + dims.size());
      }
      out.add(v);
      return;
    }
    if (level >= dims.size() || v.size() != dims.get(level)) {
      throw new IllegalArgumentException("Encountered list at unexpected size: " + v.size() + " at level: " + level);
    }
    v.forEach(e -> leaves(e, level + 1, dims, out));
  }

  private static boolean isB64(JsonNode v) {
    return v.isObject() && v.size() == 1 && v.has("b64") && v.get("b64").isTextual();
  }

  /** Row format: one entry per batch row, an object keyed by output when there are several. */
  private static JsonNode predictions(Map<String, Tensor> out) {
    long batch = -1;
    for (var e : out.entrySet()) {
      Shape s = e.getValue().shape();
      if (s.numDimensions() == 0) {
        throw new IllegalArgumentException("Tensor name: " + e.getKey() + " has no shape information ");
      }
      if (batch >= 0 && s.get(0) != batch) {
        throw new IllegalArgumentException("Tensor name: " + e.getKey() + " has inconsistent batch size: " + s.get(0)
            + " expecting: " + batch);
      }
      batch = s.get(0);
    }
    ArrayNode rows = JsonNodeFactory.instance.arrayNode();
    for (long i = 0; i < batch; i++) {
      if (out.size() == 1) {
        var e = out.entrySet().iterator().next();
        rows.add(json(e.getKey(), e.getValue(), i));
      } else {
        ObjectNode row = rows.addObject();
        for (var e : out.entrySet()) {
          row.set(e.getKey(), json(e.getKey(), e.getValue(), i));
        }
      }
    }
    return JsonNodeFactory.instance.objectNode().set("predictions", rows);
  }

  /** Columnar format: the tensors whole, keyed by output when there are several. */
  private static JsonNode outputs(Map<String, Tensor> out) {
    if (out.size() == 1) {
      var e = out.entrySet().iterator().next();
      return JsonNodeFactory.instance.objectNode().set("outputs", json(e.getKey(), e.getValue(), -1));
    }
    ObjectNode all = JsonNodeFactory.instance.objectNode();
    out.forEach((name, t) -> all.set(name, json(name, t, -1)));
    return JsonNodeFactory.instance.objectNode().set("outputs", all);
  }

  /** Tensor {@code t} (or its row {@code row} ≥ 0) as nested JSON lists. */
  private static JsonNode json(String name, Tensor t, long row) {
    long[] dims = t.shape().asArray();
    long[] index = new long[dims.length];
    int from = 0;
    if (row >= 0) {
      index[0] = row;
      from = 1;
    }
    return json(name, t, dims, index, from);
  }

  private static JsonNode json(String name, Tensor t, long[] dims, long[] index, int level) {
    if (level == dims.length) {
      if (t instanceof TInt32 x) {
        return JsonNodeFactory.instance.numberNode(x.getInt(index));
      } else if (t instanceof TInt64 x) {
        return JsonNodeFactory.instance.numberNode(x.getLong(index));
      } else if (t instanceof TFloat32 x) {
        return JsonNodeFactory.instance.numberNode(x.getFloat(index));
      } else if (t instanceof TString x) {
        byte[] bytes = x.asBytes().getObject(index);
        // Only a string output named *_bytes is base64-encoded; any other is written raw (json_tensor.cc).
        return name.endsWith("_bytes")
            ? JsonNodeFactory.instance.objectNode().put("b64", Base64.getEncoder().encodeToString(bytes))
            : JsonNodeFactory.instance.textNode(new String(bytes, StandardCharsets.UTF_8));
      }
      throw new IllegalArgumentException("output " + name + ": type " + t.dataType() + " not emulated");
    }
    ArrayNode list = JsonNodeFactory.instance.arrayNode();
    for (long i = 0; i < dims[level]; i++) {
      index[level] = i;
      list.add(json(name, t, dims, index, level + 1));
    }
    return list;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
