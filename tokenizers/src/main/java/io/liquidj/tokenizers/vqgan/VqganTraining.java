package io.liquidj.tokenizers.vqgan;

import io.liquidj.framework.tf.Fetched;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.Weights;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.framework.optim.AdamW;
import io.liquidj.framework.optim.OptimizerSettings;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import io.liquidj.framework.tf.VariableStore;
import io.liquidj.framework.tokenizer.ImageBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Trains a VQGAN of {@link Vqgan}'s architecture on reconstruction alone (no perceptual or GAN
 * loss): total = l1·mean|x − x̂| + l2·mean(x − x̂)² + VectorQuantizer2's loss, with the
 * straight-through estimator z + sg(z_q − z) into the decoder. Owns its Graph and Session.
 */
public final class VqganTraining implements AutoCloseable {
  /** Loss weights. */
  public record LossWeights(double l1, double l2, double beta) {}

  /** One step's numbers. */
  public record StepResult(float total, float reconstruction, float quantizer, int distinctCodes) {}

  private final Vqgan model;
  private final int imageSize;
  private final Graph graph = new Graph();
  private final Session session = new Session(graph);
  private final VariableStore params;
  /** The training graph's read of every parameter, fetched together by {@link #save}. */
  private final Map<String, Operand<TFloat32>> reads;
  private final AdamW adam;
  private final Placeholder<TFloat32> images;
  private final Operand<TFloat32> total;
  private final Operand<TFloat32> reconstruction;
  private final Operand<TFloat32> quantizer;
  private final Operand<TInt32> codes;
  private final List<Op> updates;
  private final OptimizerSettings optimizer;

  /**
   * Training images are {@code imageSize} pixels square: crops of the {@code config.resolution()} images the
   * tokenizer is for (the network is convolutional; its attention blocks stay where the config puts them).
   */
  public VqganTraining(VqganConfig config, int imageSize, LossWeights weights, OptimizerSettings optimizer, long seed) {
    this.model = new Vqgan(config);
    this.imageSize = imageSize;
    this.optimizer = optimizer;
    Ops tf = Ops.create(graph);
    params = new VariableStore(tf);
    params.createAll(model.parameters(), model.initializer(seed));
    VariableStore slots = new VariableStore(tf);
    // AdamW's moment slots (zeros; VariableStore.ZEROS avoids tf.zeros, whose sub-scope walks the whole graph).
    for (ParameterSpec spec : model.parameters()) {
      for (String kind : List.of("adam_m", "adam_v")) {
        slots.create(new ParameterSpec(spec.name() + "." + kind, spec.shape(), ParameterSpec.Init.ZEROS),
            VariableStore.ZEROS);
      }
    }
    VariableStore.GraphWeights w = params.weights();

    images = tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 3, imageSize, imageSize)));
    Operand<TFloat32> x = tf.linalg.transpose(images, tf.constant(new int[] {0, 2, 3, 1}));
    Operand<TFloat32> z = model.encoderNhwc(tf, w, x);
    int grid = imageSize / config.downsampleFactor();
    // The code choice is not differentiated: argmin over stopped z and codebook.
    Weights stopped = name -> tf.stopGradient(w.get(name));
    codes = model.nearestCodes(tf, stopped, tf.stopGradient(z));
    Operand<TFloat32> zq = model.codebookVectors(tf, w, codes, grid, grid);
    // VectorQuantizer2(legacy=True): mean((sg(z_q) − z)²) + β·mean((z_q − sg(z))²) (β on the codebook term, as taming's default)
    quantizer = tf.math.add(mean(tf, tf.math.square(tf.math.sub(tf.stopGradient(zq), z))),
        tf.math.mul(tf.constant((float) weights.beta()), mean(tf, tf.math.square(tf.math.sub(zq, tf.stopGradient(z))))));
    Operand<TFloat32> straightThrough = tf.math.add(z, tf.stopGradient(tf.math.sub(zq, z)));
    Operand<TFloat32> xrec = model.decoderNhwc(tf, w, straightThrough);
    Operand<TFloat32> diff = tf.math.sub(x, xrec);
    reconstruction = tf.math.add(
        tf.math.mul(tf.constant((float) weights.l1()), mean(tf, tf.math.abs(diff))),
        tf.math.mul(tf.constant((float) weights.l2()), mean(tf, tf.math.square(diff))));
    total = tf.math.add(reconstruction, quantizer);

    reads = w.reads();
    List<Map.Entry<String, Operand<TFloat32>>> entries = new ArrayList<>(reads.entrySet());
    List<Operand<TFloat32>> xs = new ArrayList<>();
    entries.forEach(e -> xs.add(e.getValue()));
    var gradients = tf.gradients(total, xs);
    List<AdamW.Update> list = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      Output<?> g = gradients.dy(i);
      @SuppressWarnings("unchecked")
      Operand<TFloat32> grad = (Operand<TFloat32>) g;
      list.add(new AdamW.Update(params.get(entries.get(i).getKey()), entries.get(i).getValue(), grad));
    }
    adam = new AdamW(tf, optimizer, slots);
    updates = adam.apply(tf, list, tf.constant(true));
    params.initializeAll(session);
    slots.initializeAll(session);
  }

  private static Operand<TFloat32> mean(Ops tf, Operand<TFloat32> x) {
    return tf.math.mean(tf.reshape(x, tf.constant(new long[] {-1})), tf.constant(0));
  }

  /** One AdamW update on {@code batch} at learning rate {@code lr}; {@code step} counts from 1. */
  public StepResult step(ImageBatch batch, float lr, long step) {
    if (batch.height() != imageSize || batch.width() != imageSize) {
      throw new IllegalArgumentException("batch is " + batch.width() + "x" + batch.height() + ", expected " + imageSize);
    }
    try (TFloat32 in = TFloat32.tensorOf(Shape.of(batch.batch(), 3, imageSize, imageSize), DataBuffers.of(batch.pixels(), true, false));
        TFloat32 rate = TFloat32.scalarOf(lr);
        TFloat32 b1 = TFloat32.scalarOf(AdamW.power(optimizer.beta1(), step));
        TFloat32 b2 = TFloat32.scalarOf(AdamW.power(optimizer.beta2(), step))) {
      Session.Runner r = session.runner().feed(images, in).feed(adam.feeds().learningRate(), rate)
          .feed(adam.feeds().beta1Power(), b1).feed(adam.feeds().beta2Power(), b2)
          .fetch(total).fetch(reconstruction).fetch(quantizer).fetch(codes);
      updates.forEach(r::addTarget);
      try (Result out = r.run()) {
        int[] c = new int[Math.toIntExact(out.get(3).shape().size())];
        ((TInt32) out.get(3)).asRawTensor().data().asInts().read(c);
        return new StepResult(((TFloat32) out.get(0)).getFloat(), ((TFloat32) out.get(1)).getFloat(),
            ((TFloat32) out.get(2)).getFloat(), (int) Arrays.stream(c).distinct().count());
      }
    }
  }

  /**
   * Writes {@code dir}/config.json and {@code dir}/model.safetensors (state-dict names), atomically, replacing a
   * {@code dir} liquidj wrote (or any, with {@code overwrite}).
   */
  public void save(Path dir, boolean overwrite) throws IOException {
    SafetensorsWriter writer = new SafetensorsWriter();
    // One run fetching the training graph's own reads: a new read op per parameter would extend the graph and make
    // each of those runs re-prepare it (measured on a demo-sized VQ: 41 s, against 0.3 s for this one run).
    List<ParameterSpec> specs = model.parameters();
    Session.Runner runner = session.runner();
    specs.forEach(spec -> runner.fetch(reads.get(spec.name())));
    try (Result values = runner.run()) {
      for (int i = 0; i < specs.size(); i++) {
        ParameterSpec spec = specs.get(i);
        float[] data = Fetched.floats((TFloat32) values.get(i));
        writer.addFloats(spec.name().substring(Vqgan.PREFIX.length()), DType.F32, spec.shape(), data);
      }
    }
    String json = new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
        .writeValueAsString(model.config().toJson());
    AtomicFiles.writeDirectory(dir, overwrite, d -> {
      java.nio.file.Files.writeString(d.resolve("config.json"), json + "\n");
      writer.write(d.resolve("model.safetensors"));
    });
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
