package io.liquidj.backbones;

import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.ForwardResult;
import io.liquidj.framework.backbone.KvCache;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.nn.AttentionMasks;
import io.liquidj.framework.tf.VariableStore;
import io.liquidj.framework.train.RecomputedLayers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * A backbone loaded from a checkpoint folder into one graph and session, with the pieces the
 * specifications need: full forward (logits, loss, z-loss), gradients, and greedy decoding with
 * full recompute or through the KV cache.
 */
public final class FixtureModel implements AutoCloseable {
  public final ModelConfig config;
  public final Backbone backbone;
  public final Graph graph = new Graph();
  public final Session session = new Session(graph);
  public final Ops tf = Ops.create(graph);
  public final VariableStore store;
  public final VariableStore.GraphWeights weights;
  private final Placeholder<TInt32> ids;
  private final Placeholder<TInt32> attentionMask;
  public final Operand<TFloat32> logits;
  private final ForwardInputs inputs;
  public final Operand<TFloat32> loss;
  public final Operand<TFloat32> zLoss;

  /** Fills the variables of a new model. */
  @FunctionalInterface
  public interface Loader {
    void load(Session session, VariableStore store);
  }

  public FixtureModel(Path dir, BackboneFactory factory, Precision precision) {
    this(ModelConfig.read(dir), dir, factory, precision);
  }

  /** Loads {@code dir}, or initialises from scratch when it is null. */
  public FixtureModel(ModelConfig config, Path dir, BackboneFactory factory, Precision precision) {
    this(config, factory, precision,
        dir == null ? (s, store) -> store.initializeAll(s) : (s, store) -> BackboneVariables.load(s, store, dir));
  }

  public FixtureModel(ModelConfig config, BackboneFactory factory, Precision precision, Loader loader) {
    this.config = config;
    this.backbone = factory.create(config, precision);
    store = BackboneVariables.create(tf, backbone, 0);
    loader.load(session, store);
    weights = store.weights();
    ids = tf.withName("input_ids").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
    attentionMask = tf.withName("attention_mask").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
    inputs = ForwardInputs.full(ids, AttentionMasks.arangePositions(tf, ids),
        AttentionMasks.causalWithPadding(tf, attentionMask));
    logits = backbone.forward(tf, weights, inputs).logits();
    Operand<TFloat32>[] parts = NextTokenLoss.lossAndZLoss(tf, logits, ids, config.vocabSize());
    loss = parts[0];
    zLoss = parts[1];
  }

  /** Logits [B, T, V] flattened, for ids [B][T] with no padding. */
  public float[] logits(int[][] tokens) {
    return fetch(tokens, logits);
  }

  /** Runs the full forward pass and fetches one float output. */
  public float[] fetch(int[][] tokens, Operand<TFloat32> output) {
    try (TInt32 t = ints(tokens); TInt32 m = ones(tokens);
        Result r = session.runner().feed(ids, t).feed(attentionMask, m).fetch(output).run()) {
      return floats((TFloat32) r.get(0));
    }
  }

  /** Gradients of {@code loss + 1e-4 · zloss} w.r.t. every parameter read: name → L2 norm, plus "global". */
  public Map<String, Double> gradientNorms(int[][] tokens) {
    Operand<TFloat32> objective = tf.math.add(loss, tf.math.mul(tf.constant(1e-4f), zLoss));
    List<String> names = new ArrayList<>(weights.reads().keySet());
    List<Operand<?>> xs = new ArrayList<>();
    names.forEach(n -> xs.add(weights.reads().get(n)));
    var grads = tf.gradients(objective, xs);
    List<Operand<?>> dys = new ArrayList<>(grads.dy());
    return norms(tokens, names, dys);
  }

  /**
   * As {@link #gradientNorms}, through the training engine's activation recomputation: a second forward
   * pass kept layer by layer, each layer rebuilt in the backward pass ({@link RecomputedLayers}).
   */
  public Map<String, Double> recomputedGradientNorms(int[][] tokens) {
    Ops scope = tf.withSubScope("recomputed");
    RecomputedLayers recomputed = new RecomputedLayers(scope, backbone.layers(scope, inputs), weights);
    Operand<TFloat32>[] parts = NextTokenLoss.lossAndZLoss(scope, recomputed.logits(), ids, config.vocabSize());
    Operand<TFloat32> objective = scope.math.add(parts[0], scope.math.mul(scope.constant(1e-4f), parts[1]));
    List<String> names = new ArrayList<>(weights.reads().keySet());
    List<Operand<TFloat32>> xs = new ArrayList<>();
    names.forEach(n -> xs.add(weights.reads().get(n)));
    List<Operand<?>> dys = new ArrayList<>(recomputed.gradients(scope.withSubScope("gradients"), objective, xs, names));
    return norms(tokens, names, dys);
  }

  /**
   * The gradients of the probe objective {@code Σ probe ⊙ logits} (probe: [B, T, V] flattened, a fixed
   * linear functional of the logits) w.r.t. every parameter read, as flat arrays by name.
   */
  public Map<String, float[]> probeGradients(int[][] tokens, float[] probe) {
    Operand<TFloat32> weightsOfLogits = tf.reshape(tf.constant(probe), tf.shape(logits));
    return gradients(tf.reduceSum(tf.math.mul(logits, weightsOfLogits), tf.constant(new int[] {0, 1, 2})), tokens);
  }

  /** The gradients of {@code loss + 1e-4 · zloss} w.r.t. every parameter read, as flat arrays by name. */
  public Map<String, float[]> lossGradients(int[][] tokens) {
    return gradients(tf.math.add(loss, tf.math.mul(tf.constant(1e-4f), zLoss)), tokens);
  }

  private Map<String, float[]> gradients(Operand<TFloat32> objective, int[][] tokens) {
    List<String> names = new ArrayList<>(weights.reads().keySet());
    var grads = tf.gradients(objective, names.stream().map(n -> (Operand<?>) weights.reads().get(n)).toList());
    Map<String, float[]> out = new LinkedHashMap<>();
    try (TInt32 t = ints(tokens); TInt32 m = ones(tokens)) {
      Session.Runner runner = session.runner().feed(ids, t).feed(attentionMask, m);
      grads.dy().forEach(runner::fetch);
      try (Result r = runner.run()) {
        for (int i = 0; i < names.size(); i++) {
          out.put(names.get(i), floats((TFloat32) r.get(i)));
        }
      }
    }
    return out;
  }

  /**
   * Logits [1, T, V] flattened of one packed row as the trainer feeds it: {@code segments} numbers the
   * documents from 1 (0 = padding), {@code positions} restart at 0 in each document.
   */
  public float[] packedLogits(int[] tokens, int[] positions, int[] segments) {
    Ops p = tf.withSubScope("packed");
    Placeholder<TInt32> packedIds = p.placeholder(TInt32.class, Placeholder.shape(Shape.of(1, -1)));
    Placeholder<TInt32> packedPositions = p.placeholder(TInt32.class, Placeholder.shape(Shape.of(1, -1)));
    Placeholder<TInt32> segmentIds = p.placeholder(TInt32.class, Placeholder.shape(Shape.of(1, -1)));
    Operand<TFloat32> packed = backbone.forward(p, weights, ForwardInputs.full(packedIds, packedPositions,
        AttentionMasks.causalWithinSegments(p, segmentIds))).logits();
    try (TInt32 t = ints(new int[][] {tokens}); TInt32 pos = ints(new int[][] {positions});
        TInt32 seg = ints(new int[][] {segments});
        Result r = session.runner().feed(packedIds, t).feed(packedPositions, pos).feed(segmentIds, seg)
            .fetch(packed).run()) {
      return floats((TFloat32) r.get(0));
    }
  }

  /** The probe objective {@code Σ probe ⊙ logits} at the variables' current values, summed in double on the host. */
  public double probe(int[][] tokens, float[] probe) {
    float[] l = logits(tokens);
    double sum = 0;
    for (int i = 0; i < l.length; i++) {
      sum += (double) probe[i] * l[i];
    }
    return sum;
  }

  private Map<String, Double> norms(int[][] tokens, List<String> names, List<Operand<?>> grads) {
    Map<String, Double> norms = new LinkedHashMap<>();
    try (TInt32 t = ints(tokens); TInt32 m = ones(tokens)) {
      Session.Runner runner = session.runner().feed(ids, t).feed(attentionMask, m);
      grads.forEach(runner::fetch);
      try (Result r = runner.run()) {
        double global = 0;
        for (int i = 0; i < names.size(); i++) {
          double sq = 0;
          for (float g : floats((TFloat32) r.get(i))) {
            sq += (double) g * g;
          }
          norms.put(names.get(i), Math.sqrt(sq));
          global += sq;
        }
        norms.put("global", Math.sqrt(global));
      }
    }
    return norms;
  }

  /** Greedy decoding by recomputing the whole sequence each step: prompt + {@code newTokens}. */
  public int[] greedyFull(int[] prompt, int newTokens) {
    int[] seq = prompt.clone();
    int vocab = config.vocabSize();
    for (int step = 0; step < newTokens; step++) {
      float[] out = logits(new int[][] {seq});
      seq = append(seq, argmax(out, (seq.length - 1) * vocab, vocab));
    }
    return seq;
  }

  /** Greedy decoding through the KV-cache path: prefill the prompt, then one token per step. */
  public int[] greedyCached(int[] prompt, int newTokens) {
    int slots = prompt.length + newTokens;
    int layers = config.numHiddenLayers();
    Shape cacheShape = Shape.of(1, config.numKeyValueHeads(), slots, config.headDim());
    Ops c = tf.withSubScope("decode");
    Placeholder<TInt32> stepIds = c.placeholder(TInt32.class, Placeholder.shape(Shape.of(1, -1)));
    Placeholder<TInt32> writeIndex = c.placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
    List<Placeholder<TFloat32>> keyFeeds = new ArrayList<>();
    List<Placeholder<TFloat32>> valueFeeds = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      keyFeeds.add(c.placeholder(TFloat32.class, Placeholder.shape(cacheShape)));
      valueFeeds.add(c.placeholder(TFloat32.class, Placeholder.shape(cacheShape)));
    }
    Operand<TInt32> positions = c.math.add(AttentionMasks.arangePositions(c, stepIds), writeIndex);
    Operand<TInt32> keyIsToken = c.fill(c.constant(new int[] {1, slots}), c.constant(1));
    Operand<TInt32> keyPositions = AttentionMasks.arangePositions(c, keyIsToken);
    List<Operand<? extends TFloating>> keys = new ArrayList<>(keyFeeds);
    List<Operand<? extends TFloating>> values = new ArrayList<>(valueFeeds);
    ForwardInputs in = new ForwardInputs(stepIds, positions,
        AttentionMasks.overCache(c, stepIds, writeIndex, keyIsToken), keyPositions, new KvCache(keys, values), writeIndex);
    ForwardResult result = backbone.forward(c, store.weights(), in);

    List<Tensor> cache = new ArrayList<>();
    for (int i = 0; i < 2 * layers; i++) {
      // unwritten slots must hold finite values: masked probabilities are 0, and 0 · NaN is NaN
      cache.add(TFloat32.tensorOf(cacheShape, data -> data.asRawTensor().data().asFloats().write(new float[(int) cacheShape.size()])));
    }
    int[] seq = prompt.clone();
    int[] feed = prompt;
    int vocab = config.vocabSize();
    try {
      for (int step = 0; step < newTokens; step++) {
        try (TInt32 t = ints(new int[][] {feed}); TInt32 idx = TInt32.scalarOf(seq.length - feed.length)) {
          Session.Runner r = session.runner().feed(stepIds, t).feed(writeIndex, idx).fetch(result.logits());
          for (int i = 0; i < layers; i++) {
            r.feed(keyFeeds.get(i), cache.get(i)).feed(valueFeeds.get(i), cache.get(layers + i));
          }
          for (int i = 0; i < layers; i++) {
            r.fetch(result.cache().keys().get(i));
          }
          for (int i = 0; i < layers; i++) {
            r.fetch(result.cache().values().get(i));
          }
          Result out = r.run();
          float[] l = floats((TFloat32) out.get(0));
          int next = argmax(l, (feed.length - 1) * vocab, vocab);
          cache.forEach(Tensor::close);
          cache.clear();
          for (int i = 0; i < 2 * layers; i++) {
            cache.add(out.get(1 + i));
          }
          out.get(0).close();
          seq = append(seq, next);
          feed = new int[] {next};
        }
      }
    } finally {
      cache.forEach(Tensor::close);
    }
    return seq;
  }

  public static int argmax(float[] v, int offset, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (v[offset + i] > v[offset + best]) {
        best = i;
      }
    }
    return best;
  }

  private static int[] append(int[] a, int x) {
    int[] b = java.util.Arrays.copyOf(a, a.length + 1);
    b[a.length] = x;
    return b;
  }

  public static TInt32 ints(int[][] rows) {
    TInt32 t = TInt32.tensorOf(Shape.of(rows.length, rows[0].length));
    for (int b = 0; b < rows.length; b++) {
      t.asRawTensor().data().asInts().offset((long) b * rows[0].length).write(rows[b]);
    }
    return t;
  }

  private static TInt32 ones(int[][] rows) {
    int[][] m = new int[rows.length][rows[0].length];
    for (int[] row : m) {
      java.util.Arrays.fill(row, 1);
    }
    return ints(m);
  }

  public static float[] floats(TFloat32 t) {
    float[] out = new float[Math.toIntExact(t.shape().size())];
    t.asRawTensor().data().asFloats().read(out);
    return out;
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
