package io.liquidj.framework.tf;

import io.liquidj.framework.UserError;
import io.liquidj.framework.safetensors.Conversions;
import io.liquidj.framework.safetensors.TensorInfo;
import io.liquidj.framework.safetensors.TensorReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.types.TFloat32;

/**
 * The f32 resource variables of one graph, each named by its Hugging Face tensor name.
 *
 * <p>Every variable gets {@code shared_name = name} (an unnamed VarHandleOp would alias every other
 * unnamed one, see research/tensorflow-java.md §2a), an assign-from-placeholder op for loading, and
 * an optional initializer. {@link #weights} gives the graph's reads; {@link #functionWeights} reads
 * the same variables inside a while-loop body or other function.
 */
public final class VariableStore {
  /** The f32 bytes {@link #load} feeds per session run: one run per variable costs an executor each. */
  public static final long LOAD_BATCH_BYTES = 256L << 20;

  private final Ops tf;
  private final Map<String, Variable> variables = new LinkedHashMap<>();
  /** The reads {@link #withValue} fetches, one per variable (not one new op per call). */
  private final Map<String, Operand<TFloat32>> hostReads = new LinkedHashMap<>();

  /** One variable: its spec, handle, and the ops that write it. */
  public record Variable(
      ParameterSpec spec, Operand<?> handle, Placeholder<TFloat32> value, Op assign, Op initializer) {}

  /** Builds the initial value of a variable in the graph (random normal, zeros, ...). */
  @FunctionalInterface
  public interface Initializer {
    Operand<TFloat32> create(Ops tf, ParameterSpec spec);
  }

  /**
   * Zeros, as {@code Fill}: TF Java's {@code tf.zeros} opens a sub-scope, which walks the whole
   * graph (see {@link #create}) on every call.
   */
  public static final Initializer ZEROS = (tf, spec) -> tf.fill(tf.constant(spec.shape()), tf.constant(0f));

  public VariableStore(Ops tf) {
    this.tf = tf;
  }

  /**
   * Creates the variable {@code spec.name()} with the given initializer (run by {@link #initialize}).
   *
   * <p>Its ops are named {@code <name>} (the handle), {@code <name>_value}, {@code <name>_assign} and
   * {@code <name>_init} (the initializer's own ops {@code <name>_initial_value[_k]}), all with
   * {@code withName} in the store's scope: TF Java 1.1.0's {@code withSubScope} walks every op of the
   * graph ({@code NameScope.importIdsFrom}), which made creating n variables quadratic in n.
   */
  public Variable create(ParameterSpec spec, Initializer initializer) {
    if (variables.containsKey(spec.name())) {
      throw new IllegalArgumentException("variable " + spec.name() + " exists");
    }
    Shape shape = Shape.of(spec.shape());
    String name = spec.name();
    Operand<?> handle = tf.withName(name).varHandleOp(TFloat32.class, shape, VarHandleOp.sharedName(name));
    Placeholder<TFloat32> value = tf.withName(name + "_value").placeholder(TFloat32.class, Placeholder.shape(shape));
    Op assign = tf.withName(name + "_assign").assignVariableOp(handle, value);
    Operand<TFloat32> initialValue = initializer.create(tf.withName(name + "_initial_value"), spec);
    Op init = tf.withName(name + "_init").assignVariableOp(handle, initialValue);
    Variable v = new Variable(spec, handle, value, assign, init);
    variables.put(name, v);
    return v;
  }

  /** Creates all {@code specs} with one initializer. */
  public void createAll(Collection<ParameterSpec> specs, Initializer initializer) {
    specs.forEach(s -> create(s, initializer));
  }

  /** The variable {@code name}. */
  public Variable get(String name) {
    Variable v = variables.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no variable " + name);
    }
    return v;
  }

  /** Whether the variable exists. */
  public boolean contains(String name) {
    return variables.containsKey(name);
  }

  /** All variables, in creation order. */
  public Collection<Variable> all() {
    return variables.values();
  }

  /** The specs of all variables, in creation order. */
  public List<ParameterSpec> specs() {
    return variables.values().stream().map(Variable::spec).toList();
  }

  /** Reads in the store's graph: one {@code ReadVariableOp} per name, created on first use. */
  public GraphWeights weights() {
    return new GraphWeights(tf);
  }

  /**
   * Reads the same variables from inside a function body built with {@code functionOps}, or from another
   * graph that is imported into this one later (each read opens the variable by its shared name).
   */
  public GraphWeights functionWeights(Ops functionOps) {
    return new GraphWeights(functionOps, true);
  }

  /** Runs the initializers of the given variables. */
  public void initialize(Session session, Collection<String> names) {
    if (names.isEmpty()) {
      return;
    }
    Session.Runner r = session.runner();
    names.forEach(n -> r.addTarget(get(n).initializer()));
    r.run();
  }

  /** Runs every initializer. */
  public void initializeAll(Session session) {
    initialize(session, variables.keySet());
  }

  /** Assigns {@code values} (shape as the spec) to variable {@code name}. */
  public void assign(Session session, String name, TFloat32 value) {
    Variable v = get(name);
    session.runner().feed(v.value(), value).addTarget(v.assign()).run();
  }

  /** Assigns a host array. */
  public void assign(Session session, String name, float[] values) {
    Variable v = get(name);
    try (TFloat32 t = TFloat32.tensorOf(Shape.of(v.spec().shape()))) {
      t.asRawTensor().data().asFloats().write(values);
      assign(session, name, t);
    }
  }

  /**
   * Loads variables from a checkpoint, converting BF16/F16 to f32 on the fly, several variables per
   * session run (up to {@link #LOAD_BATCH_BYTES} of f32, or one larger tensor alone): each tensor is
   * filled from the memory-mapped file in 64K-element chunks and closed after its run, so no copy of
   * the checkpoint is held on the Java heap and at most one batch of f32 tensors exists natively.
   * Every name and shape is checked before the first assignment.
   *
   * @param checkpointName maps a variable name to its tensor name in the checkpoint (identity for
   *     Hugging Face checkpoints), or null to skip that variable
   * @return the names of the variables loaded
   */
  public List<String> load(Session session, TensorReader reader, Function<String, String> checkpointName) {
    return load(session, reader, checkpointName, LOAD_BATCH_BYTES);
  }

  /** {@link #load} with another batch budget (tests). */
  List<String> load(Session session, TensorReader reader, Function<String, String> checkpointName, long batchBudget) {
    List<Map.Entry<Variable, String>> sources = new ArrayList<>();
    for (Variable v : variables.values()) {
      String source = checkpointName.apply(v.spec().name());
      if (source == null) {
        continue;
      }
      if (!reader.contains(source)) {
        throw new UserError("checkpoint has no tensor \"" + source + "\" (needed for variable " + v.spec().name() + ")");
      }
      TensorInfo info = reader.info(source);
      if (!Arrays.equals(info.shape(), v.spec().shape())) {
        throw new UserError("checkpoint tensor \"" + source + "\" has shape " + Arrays.toString(info.shape())
            + ", expected " + Arrays.toString(v.spec().shape()));
      }
      sources.add(Map.entry(v, source));
    }
    List<TFloat32> batch = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      long batchBytes = 0;
      for (var e : sources) {
        Variable v = e.getKey();
        long bytes = v.spec().size() * Float.BYTES;
        if (!batch.isEmpty() && batchBytes + bytes > batchBudget) {
          runAndClose(runner, batch);
          runner = session.runner();
          batchBytes = 0;
        }
        TFloat32 t = TFloat32.tensorOf(Shape.of(v.spec().shape()));
        batch.add(t);
        copyInto(reader.bytes(e.getValue()), reader.info(e.getValue()), t.asRawTensor().data().asFloats());
        runner.feed(v.value(), t).addTarget(v.assign());
        batchBytes += bytes;
      }
      if (!batch.isEmpty()) {
        runAndClose(runner, batch);
      }
    } finally {
      batch.forEach(TFloat32::close);
    }
    return sources.stream().map(e -> e.getKey().spec().name()).toList();
  }

  private static void runAndClose(Session.Runner runner, List<TFloat32> batch) {
    try (var unused = runner.run()) {
      // targets only: the assignments
    }
    batch.forEach(TFloat32::close);
    batch.clear();
  }

  /** Copies a checkpoint tensor's bytes into a TensorFlow buffer in chunks. */
  static void copyInto(ByteBuffer src, TensorInfo info, FloatDataBuffer dst) {
    long n = info.numElements();
    int chunk = 1 << 16;
    float[] tmp = new float[chunk];
    int size = info.dtype().bytes();
    ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    for (long start = 0; start < n; start += chunk) {
      int len = (int) Math.min(chunk, n - start);
      ByteBuffer part = b.duplicate();
      part.position(Math.toIntExact(start * size)).limit(Math.toIntExact((start + len) * size));
      TensorInfo slice = new TensorInfo(info.name(), info.dtype(), new long[] {len}, 0, (long) len * size);
      Conversions.toFloats(part.slice().order(ByteOrder.LITTLE_ENDIAN), slice, tmp, 0);
      dst.offset(start).write(tmp, 0, len);
    }
  }

  /** Runs {@code use} on a variable's current value (the tensor is closed afterwards). */
  public <R> R withValue(Session session, String name, Function<TFloat32, R> use) {
    Variable v = get(name);
    Operand<TFloat32> read = hostReads.computeIfAbsent(name,
        n -> tf.withName(n + "_host_read").readVariableOp(v.handle(), TFloat32.class));
    try (var result = session.runner().fetch(read).run()) {
      return use.apply((TFloat32) result.get(0));
    }
  }

  /** A variable's current value as a host array. */
  public float[] read(Session session, String name) {
    return withValue(session, name, t -> {
      float[] out = new float[Math.toIntExact(t.shape().size())];
      t.asRawTensor().data().asFloats().read(out);
      return out;
    });
  }

  /** Reads of this store's variables in one graph or function scope. */
  public final class GraphWeights implements Weights {
    private final Ops scope;
    private final boolean function;
    private final Map<String, Operand<TFloat32>> reads = new LinkedHashMap<>();

    private GraphWeights(Ops scope) {
      this(scope, false);
    }

    private GraphWeights(Ops scope, boolean function) {
      this.scope = scope;
      this.function = function;
    }

    @Override
    public Operand<TFloat32> get(String name) {
      return reads.computeIfAbsent(name, n -> {
        Variable v = VariableStore.this.get(n);
        Operand<?> handle = function
            ? scope.varHandleOp(TFloat32.class, Shape.of(v.spec().shape()), VarHandleOp.sharedName(n))
            : v.handle();
        return scope.withName(n.replace('/', '_') + "_read").readVariableOp(handle, TFloat32.class);
      });
    }

    /** The reads created so far, by variable name (the operands gradients are taken against). */
    public Map<String, Operand<TFloat32>> reads() {
      return java.util.Collections.unmodifiableMap(reads);
    }
  }
}
