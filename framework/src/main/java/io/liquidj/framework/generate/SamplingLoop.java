package io.liquidj.framework.generate;

import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.ForwardResult;
import io.liquidj.framework.backbone.KvCache;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.tf.VariableStore;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Operand;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.core.While;
import org.tensorflow.op.math.Cumsum;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * Incremental decoding with a KV cache inside one graph: a prefill pass over the prompt, then a
 * {@code While} loop that feeds one token per step (TF Java builds the loop body from a Java lambda, as a graph
 * function; weights are read inside it through resource-variable handles with the same
 * shared_name).
 *
 * <p>Prompts may be padded anywhere as long as each row's last column is a real token (left padding,
 * or a template that ends with {@code <boi>}): positions come from the padding mask, and padding is
 * never attended to. With guidance, rows [0,n) are the conditional stream and rows [n,2n) the
 * unconditional one; both get the token sampled from the guided logits.
 */
public final class SamplingLoop {
  private final Backbone backbone;
  private final VariableStore store;
  private final Precision precision;

  /**
   * What one decoding graph produces.
   *
   * @param name unique within the graph (names the loop's functions)
   * @param maxNewTokens tokens per row (exactly this many for images), unless given when the graph runs
   * @param guided whether the batch holds a conditional and an unconditional stream
   * @param fromId first allowed token id (inclusive)
   * @param toId last allowed token id (exclusive); 0 means the whole vocabulary
   * @param stopIds ids that end a row (empty: never stop early)
   */
  public record Spec(String name, int maxNewTokens, boolean guided, int fromId, int toId, int[] stopIds) {
    public Spec {
      if (maxNewTokens <= 0) {
        throw new IllegalArgumentException("maxNewTokens must be positive");
      }
      stopIds = stopIds.clone();
    }
  }

  /**
   * The decoded rows.
   *
   * @param tokens [n, maxNewTokens] int32: the new tokens; after a stop token, -1
   * @param lengths [n] int32: tokens before the first stop token
   */
  public record Output(Operand<TInt32> tokens, Operand<TInt32> lengths) {}

  public SamplingLoop(Backbone backbone, VariableStore store, Precision precision) {
    this.backbone = backbone;
    this.store = store;
    this.precision = precision;
  }

  /**
   * Builds the decoding graph. promptIds, promptMask: [B,P] int32 (mask 1 = real token); B = 2n when
   * guided.
   */
  public Output decode(Ops tf, Operand<TInt32> promptIds, Operand<TInt32> promptMask, SamplingInputs sampling, Spec spec) {
    return decode(tf, promptIds, promptMask, sampling, spec, tf.constant(spec.maxNewTokens()));
  }

  /**
   * As above, with {@code steps} (int32 scalar, positive) tokens per row in place of {@code spec.maxNewTokens()}:
   * an export's {@code generate_image} takes its code grid as an input, so the loop runs h·w steps of the request.
   * The new-token buffer is [n, steps] and its width is how the loop knows when to stop.
   */
  public Output decode(Ops tf, Operand<TInt32> promptIds, Operand<TInt32> promptMask, SamplingInputs sampling, Spec spec,
      Operand<TInt32> steps) {
    Ops g = tf.withSubScope(spec.name());
    Operand<TInt32> batch = dim(g, promptIds, 0);
    Operand<TInt32> promptLength = dim(g, promptIds, 1);
    Operand<TInt32> cacheLength = g.math.add(promptLength, steps);

    // Rotary positions count real tokens only: left padding does not shift the prompt.
    Operand<TInt32> positions = g.math.maximum(
        g.math.sub(g.math.cumsum(promptMask, g.constant(1)), g.constant(1)), g.constant(0)); // [B,P]
    Operand<TInt32> nextPosition = g.reduceSum(promptMask, g.constant(1)); // [B]
    Operand<TInt32> newPositions = g.math.add(
        g.expandDims(nextPosition, g.constant(1)),
        g.expandDims(g.range(g.constant(0), steps, g.constant(1)), g.constant(0))); // [B,N]
    Operand<TInt32> keyPositions = g.concat(List.of(positions, newPositions), g.constant(1)); // [B,S]
    Operand<TBool> keyReal = g.concat(
        List.of(g.math.notEqual(promptMask, g.constant(0)),
            g.fill(g.stack(List.of(batch, steps)), g.constant(true))),
        g.constant(1)); // [B,S]

    // Prefill: causal over the prompt, never onto padding; a padding query sees itself so that no
    // softmax row is empty (its output is never used).
    Operand<TInt32> queryIndex = g.expandDims(g.range(g.constant(0), promptLength, g.constant(1)), g.constant(1));
    Operand<TInt32> keyIndex = g.expandDims(g.range(g.constant(0), cacheLength, g.constant(1)), g.constant(0));
    Operand<TBool> causal = g.math.lessEqual(keyIndex, queryIndex); // [P,S]
    Operand<TBool> allowed = g.math.logicalOr(
        g.math.logicalAnd(g.expandDims(causal, g.constant(0)), g.expandDims(keyReal, g.constant(1))),
        g.expandDims(g.math.equal(keyIndex, queryIndex), g.constant(0))); // [B,P,S]

    KvCache empty = emptyCache(g, batch, cacheLength);
    ForwardResult prefill = backbone.forward(g, store.weights(), new ForwardInputs(
        promptIds, positions, allowed, keyPositions, empty, g.constant(0)));
    Operand<TFloat32> lastLogits = g.stridedSlice(prefill.logits(), Indices.all(), Indices.at(-1), Indices.all());

    // Step 0 from the prefill logits.
    Operand<TInt32> rows = spec.guided() ? g.math.div(batch, g.constant(2)) : batch;
    Operand<TInt32> first = choose(g, lastLogits, sampling, g.constant(0), spec);
    Operand<TBool> done0 = g.fill(g.expandDims(rows, g.constant(0)), g.constant(false));
    Record r0 = record(g, new Record(
        g.fill(g.stack(List.of(rows, steps)), g.constant(-1)),
        g.fill(g.expandDims(rows, g.constant(0)), g.constant(0)),
        done0), first, g.constant(0), spec);

    LoopState start = new LoopState(g.constant(1), feedBack(g, first, spec), r0.tokens, r0.lengths, r0.done,
        keyReal, keyPositions, nextPosition, promptLength, sampling, prefill.cache());
    List<Operand<?>> vars = start.asList();
    int layers = prefill.cache().keys().size();

    try (ConcreteFunction cond = loopFunction(spec.name() + "_cond", vars, (f, v) -> {
          LoopState s = LoopState.of(v, layers);
          Operand<TBool> more = f.math.less(s.step(), dim(f, s.tokens(), 1)); // the buffer's width is the step count
          Operand<TBool> open = f.math.logicalNot(f.reduceAll(s.done(), f.constant(0)));
          return List.of(f.math.logicalAnd(more, open));
        });
        ConcreteFunction body = loopFunction(spec.name() + "_body", vars, (f, v) -> {
          LoopState s = LoopState.of(v, layers);
          Operand<TInt32> step = s.step();
          Operand<TInt32> writeIndex = f.math.add(s.promptLength(), f.math.sub(step, f.constant(1)));
          Operand<TInt32> ids = f.expandDims(s.fedBack(), f.constant(1)); // [B,1]
          Operand<TInt32> pos = f.expandDims(f.math.add(s.nextPosition(), f.math.sub(step, f.constant(1))),
              f.constant(1));
          Operand<TInt32> keys = f.range(f.constant(0), dim(f, s.keyReal(), 1), f.constant(1));
          Operand<TBool> visible = f.math.logicalAnd(
              s.keyReal(), f.expandDims(f.math.lessEqual(keys, writeIndex), f.constant(0))); // [B,S]
          ForwardResult out = backbone.forward(f, store.functionWeights(f), new ForwardInputs(
              ids, pos, f.expandDims(visible, f.constant(1)), s.keyPositions(), s.cache(), writeIndex));
          Operand<TFloat32> logits = f.squeeze(out.logits(), org.tensorflow.op.core.Squeeze.axis(List.of(1L)));
          Operand<TInt32> token = choose(f, logits, s.sampling(), step, spec);
          Record next = record(f, new Record(s.tokens(), s.lengths(), s.done()), token, step, spec);
          return new LoopState(f.math.add(step, f.constant(1)), feedBack(f, token, spec), next.tokens, next.lengths,
              next.done, s.keyReal(), s.keyPositions(), s.nextPosition(), s.promptLength(), s.sampling(), out.cache())
              .asList();
        })) {
      While loop = g.whileOp(vars, cond, body);
      LoopState end = LoopState.of(loop.output(), layers);
      return new Output(g.identity(end.tokens()), g.identity(end.lengths()));
    }
  }

  /**
   * The while loop's variables, by name (the loop itself sees a flat list: {@link #asList} and {@link #of}).
   *
   * @param step the next step, int32 scalar (1 after the prefill chose step 0)
   * @param fedBack the last chosen token of every row [B]
   * @param tokens the new-token buffer [n, maxNewTokens]
   * @param lengths tokens before each row's first stop token [n]
   * @param done which rows have stopped [n]
   * @param keyReal which cache slots hold real tokens [B,S] bool
   * @param keyPositions rotary positions of the cache slots [B,S]
   * @param nextPosition the position of the first new token [B]
   * @param promptLength P, where the first new token's keys and values go, int32 scalar
   * @param sampling the sampling knobs
   * @param cache every layer's keys and values [B, KVH, S, D]
   */
  private record LoopState(
      Operand<TInt32> step,
      Operand<TInt32> fedBack,
      Operand<TInt32> tokens,
      Operand<TInt32> lengths,
      Operand<TBool> done,
      Operand<TBool> keyReal,
      Operand<TInt32> keyPositions,
      Operand<TInt32> nextPosition,
      Operand<TInt32> promptLength,
      SamplingInputs sampling,
      KvCache cache) {
    /** The fields before the sampling knobs and the cache. */
    private static final int SAMPLING_START = 9;
    private static final int CACHE_START = SAMPLING_START + 5;

    /** The loop variables in field order, the cache as keys and values layer by layer. */
    List<Operand<?>> asList() {
      List<Operand<?>> vars = new ArrayList<>(List.of(
          step, fedBack, tokens, lengths, done, keyReal, keyPositions, nextPosition, promptLength));
      vars.addAll(sampling.asList());
      for (int l = 0; l < cache.keys().size(); l++) {
        vars.add(cache.keys().get(l));
        vars.add(cache.values().get(l));
      }
      return vars;
    }

    /** The inverse of {@link #asList} over the loop's inputs or outputs. */
    @SuppressWarnings("unchecked")
    static LoopState of(List<? extends Operand<?>> v, int layers) {
      List<Operand<? extends TFloating>> keys = new ArrayList<>();
      List<Operand<? extends TFloating>> values = new ArrayList<>();
      for (int l = 0; l < layers; l++) {
        keys.add((Operand<? extends TFloating>) v.get(CACHE_START + 2 * l));
        values.add((Operand<? extends TFloating>) v.get(CACHE_START + 2 * l + 1));
      }
      return new LoopState(
          (Operand<TInt32>) v.get(0), (Operand<TInt32>) v.get(1), (Operand<TInt32>) v.get(2),
          (Operand<TInt32>) v.get(3), (Operand<TBool>) v.get(4), (Operand<TBool>) v.get(5),
          (Operand<TInt32>) v.get(6), (Operand<TInt32>) v.get(7), (Operand<TInt32>) v.get(8),
          SamplingInputs.of(v.subList(SAMPLING_START, CACHE_START)), new KvCache(keys, values));
    }
  }

  /** The new-token buffer, the running lengths and which rows have stopped. */
  private record Record(Operand<TInt32> tokens, Operand<TInt32> lengths, Operand<TBool> done) {}

  /** Writes {@code token} [n] into column {@code step} and updates lengths and stops. */
  private static Record record(Ops f, Record r, Operand<TInt32> token, Operand<TInt32> step, Spec spec) {
    Operand<TBool> stop = f.fill(f.shape(token), f.constant(false));
    for (int id : spec.stopIds()) {
      stop = f.math.logicalOr(stop, f.math.equal(token, f.constant(id)));
    }
    Operand<TInt32> written = f.select(r.done, f.fill(f.shape(token), f.constant(-1)), token);
    Operand<TInt32> column = f.oneHot(step, dim(f, r.tokens, 1), f.constant(1), f.constant(0)); // [N]
    Operand<TInt32> tokens = f.math.add(
        f.math.mul(r.tokens, f.math.sub(f.constant(1), column)),
        f.math.mul(f.expandDims(written, f.constant(1)), column));
    Operand<TBool> counts = f.math.logicalNot(f.math.logicalOr(r.done, stop));
    Operand<TInt32> lengths = f.math.add(r.lengths, f.dtypes.cast(counts, TInt32.class));
    return new Record(tokens, lengths, f.math.logicalOr(r.done, stop));
  }

  /** Logits [B,V] of the last position → the next token [n]. */
  private static Operand<TInt32> choose(
      Ops f, Operand<TFloat32> logits, SamplingInputs sampling, Operand<TInt32> step, Spec spec) {
    Operand<TFloat32> l = logits;
    if (spec.guided()) {
      Operand<TInt32> n = f.math.div(dim(f, logits, 0), f.constant(2));
      Operand<TFloat32> cond = f.slice(l, f.constant(new int[] {0, 0}), f.stack(List.of(n, f.constant(-1))));
      Operand<TFloat32> uncond = f.slice(l, f.stack(List.of(n, f.constant(0))), f.constant(new int[] {-1, -1}));
      l = Sampling.guidance(f, cond, uncond, sampling.guidanceScale());
    }
    if (spec.toId() > 0) {
      l = Sampling.restrictToRange(f, l, spec.fromId(), spec.toId());
    }
    return Sampling.next(f, l, sampling, step);
  }

  /** The token fed to every row: both streams get the guided choice. [n] → [B] */
  private static Operand<TInt32> feedBack(Ops f, Operand<TInt32> token, Spec spec) {
    return spec.guided() ? f.concat(List.of(token, token), f.constant(0)) : token;
  }

  private KvCache emptyCache(Ops g, Operand<TInt32> batch, Operand<TInt32> cacheLength) {
    var config = backbone.config();
    Operand<TInt32> shape = g.stack(List.of(
        batch, g.constant(config.numKeyValueHeads()), cacheLength, g.constant(config.headDim())));
    List<Operand<? extends TFloating>> keys = new ArrayList<>();
    List<Operand<? extends TFloating>> values = new ArrayList<>();
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      keys.add(g.zeros(shape, precision.matmulType()));
      values.add(g.zeros(shape, precision.matmulType()));
    }
    return new KvCache(keys, values);
  }

  /** The body or condition of the loop: same inputs as the loop variables (names sort in order). */
  private static ConcreteFunction loopFunction(
      String key, List<Operand<?>> vars, java.util.function.BiFunction<Ops, List<Operand<?>>, List<Operand<?>>> build) {
    return ConcreteFunction.create(f -> {
      Signature.Builder sig = Signature.builder().key(key);
      List<Operand<?>> inputs = new ArrayList<>();
      for (int i = 0; i < vars.size(); i++) {
        Operand<?> outer = vars.get(i);
        Operand<?> in = placeholder(f, outer);
        sig.input(varName(i), in);
        inputs.add(in);
      }
      List<Operand<?>> outputs = build.apply(f, inputs);
      for (int i = 0; i < outputs.size(); i++) {
        sig.output(varName(i), outputs.get(i));
      }
      return sig.build();
    });
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Operand<?> placeholder(Ops f, Operand<?> like) {
    return f.placeholder((Class) like.type(), Placeholder.shape(like.shape()));
  }

  private static String varName(int i) {
    return String.format("v%03d", i);
  }

  private static Operand<TInt32> dim(Ops tf, Operand<?> x, int axis) {
    return tf.gather(tf.shape(x), tf.constant(axis), tf.constant(0));
  }
}
