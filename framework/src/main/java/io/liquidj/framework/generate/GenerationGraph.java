package io.liquidj.framework.generate;

import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.tf.VariableStore;
import io.liquidj.framework.tokenizer.CodesToPixels;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/**
 * The generation graph of one model: placeholders in, whole generations out, one decoding loop per
 * task. The recipe runs it in process and the export writes the same graph as SavedModel
 * signatures, so both give the same tokens for the same seed.
 *
 * <p>Signatures (inputs → outputs; ids int32, masks int32 with 1 = real token, prompts left-padded;
 * a mask left out means every token is real):
 * <ul>
 *   <li>{@code generate_image}: prompt_ids [n,P], prompt_mask [n,P], grid_height, grid_width + sampling →
 *       codes [n,h·w] int32 (VQGAN codes, raster order), and png_bytes [n] string (PNG files of h·f × w·f
 *       pixels) when built with a {@link CodesToPixels}. The grid defaults to {@link Shapes}' and the
 *       loop runs h·w steps of the request; the prompt saying the size is the client's text ({@link
 *       ServingContract});
 *   <li>{@code caption}: image_codes [n,h·w], question_ids, question_mask [n,Q] + sampling → tokens
 *       [n,N], lengths [n];
 *   <li>{@code generate_text}: prompt_ids, prompt_mask + sampling → tokens, lengths;
 *   <li>{@code logits}: input_ids, attention_mask [B,T] → logits [B,T,V] f32.
 * </ul>
 * {@code serving_default} is {@code generate_image} (for a model without image codes {@code
 * generate_text}) with {@code prompt_ids} its only input: every other input takes its default (the grid
 * too: another grid is a {@code generate_image} request), so
 * TensorFlow Serving's row format {@code {"instances": [{"prompt_ids": [...]}]}} is a whole request
 * (its REST API wants exactly the signature's inputs in every row; research tf-serving-rest.md).
 *
 * <p>Sampling inputs default to the settings' values: seed int64, guidance_scale, temperature,
 * top_p f32, top_k int32, each a scalar or one per row [n] (the row format batches every input; the
 * seed is per batch, {@link Sampling}). Binary outputs end in {@code _bytes}: TensorFlow Serving
 * base64-encodes only those in JSON.
 */
public final class GenerationGraph {
  public static final String PREDICT = "tensorflow/serving/predict";
  public static final String GENERATE_IMAGE = "generate_image";
  public static final String CAPTION = "caption";
  public static final String GENERATE_TEXT = "generate_text";
  public static final String LOGITS = "logits";
  /** The PNG output of {@code generate_image}: binary, so named {@code _bytes} for TensorFlow Serving's JSON. */
  public static final String PNG_BYTES = "png_bytes";

  private final List<Signature> signatures = new ArrayList<>();

  /**
   * The shapes of what the graph generates.
   *
   * @param gridHeight image code rows h
   * @param gridWidth image code columns w (h·w codes per image)
   * @param maxNewTokens the most tokens of a caption or text answer
   */
  public record Shapes(int gridHeight, int gridWidth, int maxNewTokens) {}

  /**
   * Builds every signature this model supports: without a Liquid vocabulary ({@code vocabulary}
   * null), only {@code generate_text} and {@code logits}. With a {@code codesToPixels} (else null: codes
   * only), {@code generate_image} also returns the images as PNG bytes, decoded in this graph, whose
   * parameters {@code store} already holds.
   */
  public GenerationGraph(
      Ops tf,
      Backbone backbone,
      VariableStore store,
      Precision precision,
      MultimodalVocabulary vocabulary,
      PromptTemplates templates,
      Shapes shapes,
      SamplingSettings defaults,
      CodesToPixels codesToPixels) {
    SamplingLoop loop = new SamplingLoop(backbone, store, precision);
    int textEnd = vocabulary == null ? 0 : vocabulary.imageCodeOffset();
    int[] stops = stopIds(backbone, templates);
    if (vocabulary != null) {
      buildImage(tf.withSubScope(GENERATE_IMAGE), loop, vocabulary, templates, shapes, defaults, store, codesToPixels);
      buildCaption(tf.withSubScope(CAPTION), loop, vocabulary, templates, shapes, defaults, stops, textEnd);
    }
    buildText(tf.withSubScope(GENERATE_TEXT), loop, templates, shapes, defaults, stops, textEnd, vocabulary == null);
    buildLogits(tf.withSubScope(LOGITS), backbone, store);
  }

  /**
   * The signatures; {@code serving_default} is {@code generate_image} (or {@code generate_text} for a
   * model without image codes).
   */
  public List<Signature> signatures() {
    return List.copyOf(signatures);
  }

  /** The signature named {@code key}. */
  public Signature signature(String key) {
    return signatures.stream().filter(s -> s.key().equals(key)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no signature " + key + " (the model has no image vocabulary?)"));
  }

  private void buildImage(Ops g, SamplingLoop loop, MultimodalVocabulary v, PromptTemplates t, Shapes shapes,
      SamplingSettings defaults, VariableStore store, CodesToPixels codesToPixels) {
    PromptInputs in = promptInputs(g, defaults);
    Operand<TInt32> n = in.rows();
    Prompt cond = Prompt.concat(g, List.of(
        Prompt.constant(g, t.imagePrefix(), n), in.prompt(), Prompt.constant(g, t.imageSuffix(), n)));
    Prompt uncond = Prompt.constant(g, t.unconditional(), n);
    Prompt both = Prompt.stackRows(g, cond, uncond);
    Operand<TInt32> gridHeight = g.withName("grid_height").placeholderWithDefault(
        g.constant(shapes.gridHeight()), Shape.unknown());
    Operand<TInt32> gridWidth = g.withName("grid_width").placeholderWithDefault(
        g.constant(shapes.gridWidth()), Shape.unknown());
    Operand<TInt32> h = gridSide(g, gridHeight, "grid_height");
    Operand<TInt32> w = gridSide(g, gridWidth, "grid_width");
    SamplingLoop.Output out = loop.decode(g, both.ids(), both.mask(), in.samplingPerRow(), new SamplingLoop.Spec(
        GENERATE_IMAGE, shapes.gridHeight() * shapes.gridWidth(), true, v.imageCodeOffset(),
        v.imageCodeOffset() + v.numImageCodes(), new int[0]), g.math.mul(h, w));
    Operand<TInt32> imageCodes = g.withName("codes").math.sub(out.tokens(), g.constant(v.imageCodeOffset()));
    Operand<TString> png = codesToPixels == null ? null : g.withName(PNG_BYTES).identity(PngGraph.encode(g,
        codesToPixels.decode(g.withSubScope("decode"), store.weights(), imageCodes, h, w)));
    for (String key : List.of(Signature.DEFAULT_KEY, GENERATE_IMAGE)) {
      Signature.Builder b = Signature.builder().key(key).input("prompt_ids", in.ids());
      if (key.equals(GENERATE_IMAGE)) {
        withSampling(b.input("prompt_mask", in.mask()), in.sampling(), true)
            .input("grid_height", gridHeight).input("grid_width", gridWidth);
      }
      b.output("codes", imageCodes);
      if (png != null) {
        b.output(PNG_BYTES, png);
      }
      signatures.add(b.methodName(PREDICT).build());
    }
  }

  private void buildCaption(Ops g, SamplingLoop loop, MultimodalVocabulary v, PromptTemplates t, Shapes shapes,
      SamplingSettings defaults, int[] stops, int textEnd) {
    Placeholder<TInt32> codes = g.withName("image_codes").placeholder(TInt32.class,
        Placeholder.shape(Shape.of(-1, (long) shapes.gridHeight() * shapes.gridWidth())));
    Placeholder<TInt32> question = ids(g, "question_ids");
    Operand<TInt32> mask = mask(g, "question_mask", question);
    SamplingInputs inputs = samplingInputs(g, defaults);
    Operand<TInt32> n = rows(g, codes);
    SamplingInputs sampling = perRow(g, inputs, n);
    Operand<TInt32> imageTokens = g.math.add(codes, g.constant(v.imageCodeOffset()));
    Prompt prompt = Prompt.concat(g, List.of(
        Prompt.constant(g, t.captionPrefix(), n),
        Prompt.constant(g, new int[] {v.boiTokenId()}, n),
        new Prompt(imageTokens, g.onesLike(imageTokens)),
        Prompt.constant(g, new int[] {v.eoiTokenId()}, n),
        Prompt.constant(g, t.captionAfterImage(), n),
        new Prompt(question, mask),
        Prompt.constant(g, t.captionSuffix(), n)));
    SamplingLoop.Output out = loop.decode(g, prompt.ids(), prompt.mask(), sampling,
        new SamplingLoop.Spec(CAPTION, shapes.maxNewTokens(), false, 0, textEnd, stops));
    signatures.add(withSampling(Signature.builder().key(CAPTION), inputs, false)
        .input("image_codes", codes).input("question_ids", question).input("question_mask", mask)
        .output("tokens", g.withName("tokens").identity(out.tokens()))
        .output("lengths", g.withName("lengths").identity(out.lengths()))
        .methodName(PREDICT).build());
  }

  private void buildText(Ops g, SamplingLoop loop, PromptTemplates t, Shapes shapes, SamplingSettings defaults,
      int[] stops, int textEnd, boolean isDefault) {
    PromptInputs in = promptInputs(g, defaults);
    Operand<TInt32> n = in.rows();
    Prompt prompt = Prompt.concat(g, List.of(
        Prompt.constant(g, t.textPrefix(), n), in.prompt(), Prompt.constant(g, t.textSuffix(), n)));
    SamplingLoop.Output out = loop.decode(g, prompt.ids(), prompt.mask(), in.samplingPerRow(),
        new SamplingLoop.Spec(GENERATE_TEXT, shapes.maxNewTokens(), false, 0, textEnd, stops));
    Operand<TInt32> tokens = g.withName("tokens").identity(out.tokens());
    Operand<TInt32> lengths = g.withName("lengths").identity(out.lengths());
    for (String key : isDefault ? List.of(Signature.DEFAULT_KEY, GENERATE_TEXT) : List.of(GENERATE_TEXT)) {
      Signature.Builder b = Signature.builder().key(key).input("prompt_ids", in.ids());
      if (key.equals(GENERATE_TEXT)) {
        withSampling(b.input("prompt_mask", in.mask()), in.sampling(), false);
      }
      signatures.add(b.output("tokens", tokens).output("lengths", lengths).methodName(PREDICT).build());
    }
  }

  private void buildLogits(Ops g, Backbone backbone, VariableStore store) {
    Placeholder<TInt32> ids = ids(g, "input_ids");
    Placeholder<TInt32> mask = ids(g, "attention_mask");
    Operand<TInt32> positions = g.math.maximum(
        g.math.sub(g.math.cumsum(mask, g.constant(1)), g.constant(1)), g.constant(0));
    Operand<TInt32> index = g.range(g.constant(0), g.gather(g.shape(ids), g.constant(1), g.constant(0)), g.constant(1));
    Operand<TBool> causal = g.math.lessEqual(g.expandDims(index, g.constant(0)), g.expandDims(index, g.constant(1)));
    Operand<TBool> allowed = g.math.logicalOr(
        g.math.logicalAnd(g.expandDims(causal, g.constant(0)),
            g.expandDims(g.math.notEqual(mask, g.constant(0)), g.constant(1))),
        g.expandDims(g.math.equal(g.expandDims(index, g.constant(0)), g.expandDims(index, g.constant(1))),
            g.constant(0)));
    Operand<TFloat32> logits = backbone.forward(g, store.weights(), ForwardInputs.full(ids, positions, allowed)).logits();
    signatures.add(Signature.builder().key(LOGITS)
        .input("input_ids", ids).input("attention_mask", mask)
        .output("logits", g.withName("logits").identity(logits))
        .methodName(PREDICT).build());
  }

  private static int[] stopIds(Backbone backbone, PromptTemplates t) {
    java.util.LinkedHashSet<Integer> s = new java.util.LinkedHashSet<>(backbone.config().eosTokenIds());
    for (int id : t.stopIds()) {
      s.add(id);
    }
    return s.stream().mapToInt(Integer::intValue).toArray();
  }

  private static PromptInputs promptInputs(Ops g, SamplingSettings defaults) {
    Placeholder<TInt32> ids = ids(g, "prompt_ids");
    Operand<TInt32> mask = mask(g, "prompt_mask", ids);
    SamplingInputs sampling = samplingInputs(g, defaults);
    Operand<TInt32> rows = rows(g, ids);
    return new PromptInputs(ids, mask, sampling, rows, perRow(g, sampling, rows));
  }

  private static Placeholder<TInt32> ids(Ops g, String name) {
    return g.withName(name).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
  }

  /** A mask input [n,L] that, left out, marks every token of {@code ids} real. */
  private static Operand<TInt32> mask(Ops g, String name, Operand<TInt32> ids) {
    return g.withName(name).placeholderWithDefault(g.onesLike(ids), Shape.of(-1, -1));
  }

  private static Operand<TInt32> rows(Ops g, Operand<TInt32> x) {
    return g.gather(g.shape(x), g.constant(0), g.constant(0));
  }

  /**
   * One side of the code grid as an int32 scalar: the input is a scalar, or one per row (the row format batches
   * every input) that all agree, and positive; anything else fails the call naming the input.
   */
  private static Operand<TInt32> gridSide(Ops g, Operand<TInt32> input, String name) {
    Operand<TInt32> flat = g.reshape(input, g.constant(new int[] {-1}));
    Operand<TInt32> first = g.gather(flat, g.constant(0), g.constant(0));
    Operand<TBool> valid = g.reduceAll(
        g.math.logicalAnd(g.math.equal(flat, first), g.math.greater(flat, g.constant(0))), g.constant(0));
    var check = g.assertThat(valid, List.of(g.constant(name + " must be one positive number for the whole batch, got"),
        flat));
    return g.withControlDependencies(List.of(check)).identity(first);
  }

  /** The sampling inputs: each a scalar or [n] (any rank here; {@link #perRow} checks it), defaulting to {@code d}. */
  private static SamplingInputs samplingInputs(Ops g, SamplingSettings d) {
    return new SamplingInputs(
        g.withName("seed").placeholderWithDefault(g.constant(d.seed()), Shape.unknown()),
        g.withName("temperature").placeholderWithDefault(g.constant((float) d.temperature()), Shape.unknown()),
        g.withName("top_k").placeholderWithDefault(g.constant(d.topK()), Shape.unknown()),
        g.withName("top_p").placeholderWithDefault(g.constant((float) d.topP()), Shape.unknown()),
        g.withName("guidance_scale").placeholderWithDefault(g.constant((float) d.guidanceScale()), Shape.unknown()));
  }

  /** Each knob as one value per row [n]: a scalar or [1] is repeated, [n] kept, any other shape fails the call. */
  private static SamplingInputs perRow(Ops g, SamplingInputs s, Operand<TInt32> n) {
    Operand<TInt32> shape = g.expandDims(n, g.constant(0));
    return new SamplingInputs(g.broadcastTo(s.seed(), shape), g.broadcastTo(s.temperature(), shape),
        g.broadcastTo(s.topK(), shape), g.broadcastTo(s.topP(), shape), g.broadcastTo(s.guidanceScale(), shape));
  }

  private static Signature.Builder withSampling(Signature.Builder b, SamplingInputs s, boolean guided) {
    b.input("seed", s.seed()).input("temperature", s.temperature()).input("top_k", s.topK()).input("top_p", s.topP());
    return guided ? b.input("guidance_scale", s.guidanceScale()) : b;
  }

  /**
   * The inputs of a call that starts from a prompt ({@code generate_image}, {@code generate_text}): {@code prompt_ids}
   * [n,L] and {@code prompt_mask}, the sampling inputs as the signature takes them and as one value per row, and n.
   */
  private record PromptInputs(Placeholder<TInt32> ids, Operand<TInt32> mask, SamplingInputs sampling,
      Operand<TInt32> rows, SamplingInputs samplingPerRow) {
    Prompt prompt() {
      return new Prompt(ids, mask);
    }
  }

  /** Token ids and their mask [n,L] int32. */
  record Prompt(Operand<TInt32> ids, Operand<TInt32> mask) {
    /** The same ids on every one of n rows. */
    static Prompt constant(Ops g, int[] ids, Operand<TInt32> n) {
      Operand<TInt32> row = g.constant(new int[][] {ids});
      Operand<TInt32> tiled = g.tile(row, g.stack(List.of(n, g.constant(1))));
      return new Prompt(tiled, g.onesLike(tiled));
    }

    static Prompt concat(Ops g, List<Prompt> parts) {
      List<Operand<TInt32>> ids = new ArrayList<>();
      List<Operand<TInt32>> masks = new ArrayList<>();
      for (Prompt p : parts) {
        if (p.ids().shape().numDimensions() == 2 && p.ids().shape().size(1) == 0) {
          continue;
        }
        ids.add(p.ids());
        masks.add(p.mask());
      }
      return new Prompt(g.concat(ids, g.constant(1)), g.concat(masks, g.constant(1)));
    }

    /** Rows of a above rows of b, each left-padded to the wider of the two. */
    static Prompt stackRows(Ops g, Prompt a, Prompt b) {
      Operand<TInt32> la = g.gather(g.shape(a.ids()), g.constant(1), g.constant(0));
      Operand<TInt32> lb = g.gather(g.shape(b.ids()), g.constant(1), g.constant(0));
      Operand<TInt32> width = g.math.maximum(la, lb);
      Prompt pa = a.leftPad(g, g.math.sub(width, la));
      Prompt pb = b.leftPad(g, g.math.sub(width, lb));
      return new Prompt(g.concat(List.of(pa.ids(), pb.ids()), g.constant(0)),
          g.concat(List.of(pa.mask(), pb.mask()), g.constant(0)));
    }

    Prompt leftPad(Ops g, Operand<TInt32> count) {
      Operand<TInt32> paddings = g.stack(List.of(
          g.constant(new int[] {0, 0}), g.stack(List.of(count, g.constant(0)))));
      return new Prompt(g.pad(ids, paddings, g.constant(0)), g.pad(mask, paddings, g.constant(0)));
    }
  }
}
