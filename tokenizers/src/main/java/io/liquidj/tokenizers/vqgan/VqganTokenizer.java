package io.liquidj.tokenizers.vqgan;

import io.liquidj.framework.UserError;
import io.liquidj.framework.safetensors.Checkpoint;
import io.liquidj.framework.safetensors.TensorReader;
import io.liquidj.framework.tf.VariableStore;
import io.liquidj.framework.tokenizer.ImageBatch;
import io.liquidj.framework.tokenizer.ImageTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The VQGAN as an {@link ImageTokenizer}: owns one Graph and Session holding the weights as resource
 * variables ({@code vqgan.<key>}), and adds one encode graph per image size and one decode graph per
 * code-grid size on first use (the batch size is free). Not thread-safe.
 */
public final class VqganTokenizer implements ImageTokenizer {
  /** Weight files a tokenizer folder may hold, in order of preference. */
  public static final List<String> WEIGHT_FILES = List.of("model.safetensors", "vqgan.ckpt");

  private final Vqgan model;
  private final Graph graph;
  private final Session session;
  private final Ops tf;
  private final VariableStore store;
  private final VariableStore.GraphWeights weights;
  private final Map<List<Integer>, EncodeGraph> encoders = new HashMap<>();
  private final Map<List<Integer>, DecodeGraph> decoders = new HashMap<>();

  private record EncodeGraph(Placeholder<TFloat32> images, Operand<TFloat32> preQuant, Operand<TInt32> codes) {}

  private record DecodeGraph(Placeholder<TInt32> codes, Operand<TFloat32> raw, Operand<TFloat32> clamped) {}

  /** Codes and what the quantizer saw ({@code preQuant} [B, embed_dim, h, w] flattened). */
  public record Encoding(int[][] codes, float[] preQuant, int h, int w) {}

  private VqganTokenizer(VqganConfig config) {
    this.model = new Vqgan(config);
    this.graph = new Graph();
    this.session = new Session(graph);
    this.tf = Ops.create(graph);
    this.store = new VariableStore(tf);
    this.weights = store.weights();
  }

  /** The tokenizer in {@code dir}: {@code config.json} and {@code model.safetensors} or {@code vqgan.ckpt}. */
  public static VqganTokenizer load(Path dir) {
    return load(VqganConfig.read(dir.resolve("config.json")), weightsFile(dir));
  }

  /** The weight file of a tokenizer folder: {@code model.safetensors}, else {@code vqgan.ckpt}. */
  public static Path weightsFile(Path dir) {
    return WEIGHT_FILES.stream().map(dir::resolve).filter(Files::isRegularFile).findFirst()
        .orElseThrow(() -> new UserError("no VQGAN weights in " + dir + ": expected one of " + WEIGHT_FILES));
  }

  /** A tokenizer of {@code config} with weights from a {@code .safetensors} file or a torch {@code .ckpt}. */
  public static VqganTokenizer load(VqganConfig config, Path weightsFile) {
    try (TensorReader reader = open(weightsFile)) {
      checkCompatible(new Vqgan(config), reader, weightsFile);
      VqganTokenizer t = new VqganTokenizer(config);
      try {
        t.store.createAll(t.model.parameters(), VariableStore.ZEROS);
        t.store.load(t.session, reader, name -> name.substring(Vqgan.PREFIX.length()));
        return t;
      } catch (RuntimeException e) {
        t.close();
        throw e;
      }
    }
  }

  /** Fails, before any graph is built, when the checkpoint lacks a tensor or has another shape. */
  private static void checkCompatible(Vqgan model, TensorReader reader, Path weightsFile) {
    for (var spec : model.parameters()) {
      String key = spec.name().substring(Vqgan.PREFIX.length());
      if (!reader.contains(key)) {
        throw new UserError(weightsFile + " has no tensor \"" + key + "\" (needed by config.json's architecture)");
      }
      long[] shape = reader.info(key).shape();
      if (!Arrays.equals(shape, spec.shape())) {
        throw new UserError(weightsFile + ": tensor \"" + key + "\" has shape " + Arrays.toString(shape) + ", expected "
            + Arrays.toString(spec.shape()) + " for config.json's architecture");
      }
    }
  }

  /** A tokenizer with PyTorch's default random initialisation (benchmarks, training from scratch). */
  public static VqganTokenizer random(VqganConfig config, long seed) {
    VqganTokenizer t = new VqganTokenizer(config);
    t.store.createAll(t.model.parameters(), t.model.initializer(seed));
    t.store.initializeAll(t.session);
    return t;
  }

  /**
   * A reader of a {@code .safetensors} file, a checkpoint folder, or a torch zip checkpoint (any other
   * name); for loading the VQGAN into another graph with {@code VariableStore.load(session, reader,
   * Vqgan::checkpointName)}.
   */
  public static TensorReader open(Path weightsFile) {
    String name = weightsFile.getFileName().toString();
    if (name.endsWith(".safetensors")) {
      return io.liquidj.framework.safetensors.SafetensorsFile.open(weightsFile);
    }
    if (Files.isDirectory(weightsFile)) {
      return Checkpoint.open(weightsFile);
    }
    return TorchCheckpoint.open(weightsFile);
  }

  public Vqgan model() {
    return model;
  }

  public VqganConfig config() {
    return model.config();
  }

  @Override
  public int codebookSize() {
    return model.config().nEmbed();
  }

  @Override
  public int downsampleFactor() {
    return model.config().downsampleFactor();
  }

  @Override
  public int[][] encode(ImageBatch images) {
    return encode(images, false).codes();
  }

  /** Codes [B][h·w] and pre_quant [B, embed_dim, h, w] (flattened) of images whose sides are multiples of the factor. */
  public Encoding encodeWithPreQuant(ImageBatch images) {
    return encode(images, true);
  }

  private Encoding encode(ImageBatch images, boolean withPreQuant) {
    int f = downsampleFactor();
    if (images.height() % f != 0 || images.width() % f != 0) {
      throw new UserError("image is " + images.width() + "x" + images.height() + "; the VQGAN needs sides that are multiples of " + f);
    }
    EncodeGraph g = encoders.computeIfAbsent(List.of(images.height(), images.width()), k -> buildEncoder(k.get(0), k.get(1)));
    int h = images.height() / f;
    int w = images.width() / f;
    try (TFloat32 in = TFloat32.tensorOf(Shape.of(images.batch(), 3, images.height(), images.width()),
            DataBuffers.of(images.pixels(), true, false));
        Result out = withPreQuant
            ? session.runner().feed(g.images(), in).fetch(g.codes()).fetch(g.preQuant()).run()
            : session.runner().feed(g.images(), in).fetch(g.codes()).run()) {
      int[] flat = new int[images.batch() * h * w];
      ((TInt32) out.get(0)).asRawTensor().data().asInts().read(flat);
      float[] preQuant = null;
      if (withPreQuant) {
        preQuant = new float[images.batch() * model.config().embedDim() * h * w];
        ((TFloat32) out.get(1)).asRawTensor().data().asFloats().read(preQuant);
      }
      int[][] codes = new int[images.batch()][];
      for (int b = 0; b < images.batch(); b++) {
        codes[b] = java.util.Arrays.copyOfRange(flat, b * h * w, (b + 1) * h * w);
      }
      return new Encoding(codes, preQuant, h, w);
    }
  }

  /** Images in [-1, 1] (clamped, as Chameleon's _pil_from_chw_tensor does before writing pixels). */
  @Override
  public ImageBatch decode(int[][] codes, int h, int w) {
    return decode(codes, h, w, true);
  }

  /** The decoder's output before clamping (what the PyTorch model returns). */
  public ImageBatch decodeUnclamped(int[][] codes, int h, int w) {
    return decode(codes, h, w, false);
  }

  private ImageBatch decode(int[][] codes, int h, int w, boolean clamp) {
    if (codes.length == 0) {
      throw new IllegalArgumentException("no codes to decode");
    }
    int[] flat = new int[codes.length * h * w];
    for (int b = 0; b < codes.length; b++) {
      if (codes[b].length != h * w) {
        throw new UserError("codes " + b + " has " + codes[b].length + " entries, expected " + h + "x" + w + " = " + h * w);
      }
      for (int i = 0; i < codes[b].length; i++) {
        int c = codes[b][i];
        if (c < 0 || c >= codebookSize()) {
          throw new UserError("code " + c + " at position " + i + " of image " + b + " is outside the codebook [0, " + codebookSize() + ")");
        }
      }
      System.arraycopy(codes[b], 0, flat, b * h * w, h * w);
    }
    DecodeGraph g = decoders.computeIfAbsent(List.of(h, w), k -> buildDecoder(k.get(0), k.get(1)));
    int f = downsampleFactor();
    try (TInt32 in = TInt32.tensorOf(Shape.of(codes.length, (long) h * w), DataBuffers.of(flat, true, false));
        Result out = session.runner().feed(g.codes(), in).fetch(clamp ? g.clamped() : g.raw()).run()) {
      float[] pixels = new float[codes.length * 3 * h * f * w * f];
      ((TFloat32) out.get(0)).asRawTensor().data().asFloats().read(pixels);
      return new ImageBatch(pixels, codes.length, h * f, w * f);
    }
  }

  private EncodeGraph buildEncoder(int height, int width) {
    Ops s = tf.withSubScope("encode_" + height + "x" + width);
    Placeholder<TFloat32> images = s.withName("images").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(-1, 3, height, width)));
    Vqgan.Encoded e = model.encode(s, weights, images);
    return new EncodeGraph(images, e.preQuant(), e.codes());
  }

  private DecodeGraph buildDecoder(int h, int w) {
    Ops s = tf.withSubScope("decode_" + h + "x" + w);
    Placeholder<TInt32> codes = s.withName("codes").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, (long) h * w)));
    Operand<TFloat32> raw = model.decode(s, weights, codes, s.constant(h), s.constant(w));
    return new DecodeGraph(codes, raw, s.clipByValue(raw, s.constant(-1f), s.constant(1f)));
  }

  /** The variables (for saving a trained tokenizer). */
  public VariableStore store() {
    return store;
  }

  /** The session the variables live in. */
  public Session session() {
    return session;
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
