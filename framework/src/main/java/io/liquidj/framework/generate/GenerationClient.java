package io.liquidj.framework.generate;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Calls the {@link GenerationGraph} signatures with host arrays, in process or on a reloaded
 * SavedModel: the same feeds either way, so both give the same tokens for the same seed.
 *
 * <p>Prompts are ragged rows of token ids (the user's text only; the graph adds the templates);
 * they are left-padded here.
 */
public final class GenerationClient {
  private final Function<String, SessionFunction> functions;

  private GenerationClient(Function<String, SessionFunction> functions) {
    this.functions = functions;
  }

  /** The graph's signatures run by {@code session}. */
  public static GenerationClient of(Session session, GenerationGraph graph) {
    return new GenerationClient(key -> SessionFunction.create(graph.signature(key), session));
  }

  /** A reloaded SavedModel's signatures. */
  public static GenerationClient of(SavedModelBundle bundle) {
    return new GenerationClient(bundle::function);
  }

  /** Image codes [n][h·w] for n prompts (one image each; repeat a prompt for more samples). */
  public int[][] generateImage(int[][] prompts, SamplingSettings s) {
    Map<String, Tensor> in = withDefaultGrid(sampling(s, true));
    putPadded(in, "prompt_ids", "prompt_mask", prompts);
    return call(GenerationGraph.GENERATE_IMAGE, in, r -> toMatrix((TInt32) r.get("codes").orElseThrow()));
  }

  /** Image codes and PNG bytes, one each per prompt. */
  public record Images(int[][] codes, byte[][] pngs) {}

  /**
   * Image codes [n][h·w] and the images as PNG bytes, decoded in the graph (a graph built with a
   * {@link io.liquidj.framework.tokenizer.CodesToPixels}, e.g. an export with the VQGAN included).
   */
  public Images generateImagePngs(int[][] prompts, SamplingSettings s) {
    return pngs(prompts, withDefaultGrid(sampling(s, true)));
  }

  /**
   * As {@link #generateImagePngs(int[][], SamplingSettings)} on a {@code gridHeight} × {@code gridWidth} code grid
   * (the {@code grid_height}/{@code grid_width} inputs); the prompts say that size themselves ({@link ServingContract}).
   */
  public Images generateImagePngs(int[][] prompts, SamplingSettings s, int gridHeight, int gridWidth) {
    Map<String, Tensor> in = sampling(s, true);
    in.put("grid_height", TInt32.scalarOf(gridHeight));
    in.put("grid_width", TInt32.scalarOf(gridWidth));
    return pngs(prompts, in);
  }

  private Images pngs(int[][] prompts, Map<String, Tensor> in) {
    putPadded(in, "prompt_ids", "prompt_mask", prompts);
    return call(GenerationGraph.GENERATE_IMAGE, in, r -> {
      TString png = (TString) r.get(GenerationGraph.PNG_BYTES).orElseThrow(
          () -> new IllegalStateException("generate_image has no png_bytes output (exported without a VQGAN?)"));
      byte[][] bytes = new byte[(int) png.shape().get(0)][];
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = png.asBytes().getObject(i);
      }
      return new Images(toMatrix((TInt32) r.get("codes").orElseThrow()), bytes);
    });
  }

  /** Answer tokens (without the stop token) for images given as codes and one question each. */
  public int[][] caption(int[][] codes, int[][] questions, SamplingSettings s) {
    Map<String, Tensor> in = sampling(s, false);
    in.put("image_codes", TInt32.tensorOf(org.tensorflow.ndarray.StdArrays.ndCopyOf(codes)));
    putPadded(in, "question_ids", "question_mask", questions);
    return call(GenerationGraph.CAPTION, in, GenerationClient::trimmed);
  }

  /** Continuation tokens (without the stop token) for each prompt, inside the chat template. */
  public int[][] generateText(int[][] prompts, SamplingSettings s) {
    Map<String, Tensor> in = sampling(s, false);
    putPadded(in, "prompt_ids", "prompt_mask", prompts);
    return call(GenerationGraph.GENERATE_TEXT, in, GenerationClient::trimmed);
  }

  /** Logits [B][T][V] of the {@code logits} signature for ragged rows (left-padded). */
  public float[][][] logits(int[][] ids) {
    Map<String, Tensor> in = new HashMap<>();
    putPadded(in, "input_ids", "attention_mask", ids);
    return call(GenerationGraph.LOGITS, in, r -> {
      TFloat32 t = (TFloat32) r.get("logits").orElseThrow();
      float[][][] out = new float[(int) t.shape().get(0)][(int) t.shape().get(1)][(int) t.shape().get(2)];
      org.tensorflow.ndarray.StdArrays.copyFrom(t, out);
      return out;
    });
  }

  private <R> R call(String key, Map<String, Tensor> in, Function<Result, R> read) {
    try (Result r = functions.apply(key).call(in)) {
      return read.apply(r);
    } finally {
      in.values().forEach(Tensor::close);
    }
  }

  /**
   * {@code in} with the graph's own grid: a TF Java call feeds every input of a signature (TensorFlow Serving
   * need not), and a {@code PlaceholderWithDefault} run without a feed gives its default.
   */
  private Map<String, Tensor> withDefaultGrid(Map<String, Tensor> in) {
    SessionFunction image = functions.apply(GenerationGraph.GENERATE_IMAGE);
    for (String side : java.util.List.of("grid_height", "grid_width")) {
      try (Result r = image.session().runner().fetch(image.signature().getInputs().get(side).name).run()) {
        in.put(side, TInt32.scalarOf(((TInt32) r.get(0)).getInt()));
      }
    }
    return in;
  }

  private static Map<String, Tensor> sampling(SamplingSettings s, boolean guided) {
    Map<String, Tensor> in = new HashMap<>();
    in.put("seed", TInt64.scalarOf(s.seed()));
    in.put("temperature", TFloat32.scalarOf((float) s.temperature()));
    in.put("top_k", TInt32.scalarOf(s.topK()));
    in.put("top_p", TFloat32.scalarOf((float) s.topP()));
    if (guided) {
      in.put("guidance_scale", TFloat32.scalarOf((float) s.guidanceScale()));
    }
    return in;
  }

  /** Left-pads ragged rows: ids [n,P] and mask [n,P] (1 = real token). */
  static void putPadded(Map<String, Tensor> in, String idsName, String maskName, int[][] rows) {
    int width = 0;
    for (int[] r : rows) {
      width = Math.max(width, r.length);
    }
    TInt32 ids = TInt32.tensorOf(Shape.of(rows.length, width));
    TInt32 mask = TInt32.tensorOf(Shape.of(rows.length, width));
    for (int i = 0; i < rows.length; i++) {
      int pad = width - rows[i].length;
      for (int j = 0; j < width; j++) {
        ids.setInt(j < pad ? 0 : rows[i][j - pad], i, j);
        mask.setInt(j < pad ? 0 : 1, i, j);
      }
    }
    in.put(idsName, ids);
    in.put(maskName, mask);
  }

  private static int[][] trimmed(Result r) {
    int[][] tokens = toMatrix((TInt32) r.get("tokens").orElseThrow());
    TInt32 lengths = (TInt32) r.get("lengths").orElseThrow();
    int[][] out = new int[tokens.length][];
    for (int i = 0; i < tokens.length; i++) {
      out[i] = java.util.Arrays.copyOf(tokens[i], lengths.getInt(i));
    }
    return out;
  }

  private static int[][] toMatrix(TInt32 t) {
    int[][] out = new int[(int) t.shape().get(0)][(int) t.shape().get(1)];
    org.tensorflow.ndarray.StdArrays.copyFrom(t, out);
    return out;
  }
}
