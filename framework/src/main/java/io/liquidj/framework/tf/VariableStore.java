package io.liquidj.framework.tf;

import io.liquidj.framework.safetensors.TensorReader;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TFloating;

/**
 * The resource variables of one graph, each named by its Hugging Face tensor name, stored in f32 or
 * (frozen or inference-only weights under bf16 precision) in bf16: half the memory and half the bytes in a
 * SavedModel's {@code variables/}. Every read is f32 either way ({@link Weights}).
 *
 * <p>Every variable gets {@code shared_name = name} (in TF Java 1.1.0 an unnamed VarHandleOp would
 * alias every other unnamed one: they share the empty name in the resource manager), an assign-from-placeholder op for loading, and
 * an optional initializer. {@link #weights} gives the graph's reads; {@link #functionWeights} reads
 * the same variables inside a while-loop body or other function.
 */
public final class VariableStore {
  /** The checkpoint bytes {@link #load} feeds per session run: one run per variable costs an executor each. */
  public static final long LOAD_BATCH_BYTES = 256L << 20;

  private final Ops tf;
  private final Map<String, Variable> variables = new LinkedHashMap<>();
  /** The reads {@link #withValue} fetches, one per variable (not one new op per call). */
  private final Map<String, Operand<TFloat32>> hostReads = new LinkedHashMap<>();
  /** Copies checkpoint tensors into the variables ({@link #load}), with the load ops it creates on first use. */
  private final CheckpointLoader loader;

  /**
   * One variable: its spec, the dtype it holds ({@code TFloat32} or {@code TBfloat16}), handle, and the ops that
   * write it ({@code value} is f32 and cast to {@code type} on the way in).
   */
  public record Variable(
      ParameterSpec spec, Class<? extends TFloating> type, Operand<?> handle, Placeholder<TFloat32> value, Op assign,
      Op initializer) {}

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
    this.loader = new CheckpointLoader(tf);
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
    return create(spec, initializer, TFloat32.class);
  }

  /**
   * Creates the variable {@code spec.name()} holding {@code type}: {@code TFloat32}, or {@code TBfloat16} for
   * weights only read (generation, frozen parameters; an optimizer needs f32).
   */
  public Variable create(ParameterSpec spec, Initializer initializer, Class<? extends TFloating> type) {
    if (type != TFloat32.class && type != TBfloat16.class) {
      throw new IllegalArgumentException("variables hold f32 or bf16, not " + type.getSimpleName());
    }
    if (variables.containsKey(spec.name())) {
      throw new IllegalArgumentException("variable " + spec.name() + " exists");
    }
    Shape shape = Shape.of(spec.shape());
    String name = spec.name();
    Operand<?> handle = tf.withName(name).varHandleOp(type, shape, VarHandleOp.sharedName(name));
    Placeholder<TFloat32> value = tf.withName(name + "_value").placeholder(TFloat32.class, Placeholder.shape(shape));
    Op assign = tf.withName(name + "_assign").assignVariableOp(handle, stored(tf, name + "_value", value, type));
    Operand<TFloat32> initialValue = initializer.create(tf.withName(name + "_initial_value"), spec);
    Op init = tf.withName(name + "_init").assignVariableOp(handle,
        stored(tf, name + "_initial_value", initialValue, type));
    Variable v = new Variable(spec, type, handle, value, assign, init);
    variables.put(name, v);
    return v;
  }

  /** Creates all {@code specs} with one initializer. */
  public void createAll(Collection<ParameterSpec> specs, Initializer initializer) {
    specs.forEach(s -> create(s, initializer));
  }

  /** Creates all {@code specs} with one initializer, each holding {@code type}. */
  public void createAll(Collection<ParameterSpec> specs, Initializer initializer, Class<? extends TFloating> type) {
    specs.forEach(s -> create(s, initializer, type));
  }

  /** {@code f32} itself, or cast to the storage type {@code type} (op {@code <base>_stored}). */
  private static Operand<?> stored(Ops tf, String base, Operand<TFloat32> f32, Class<? extends TFloating> type) {
    return type == TFloat32.class ? f32 : tf.withName(base + "_stored").dtypes.cast(f32, type);
  }

  /** A read of {@code handle} (dtype {@code type}) as f32: the read itself, or its cast (op {@code <name>_f32}). */
  private static Operand<TFloat32> readF32(Ops tf, String name, Operand<?> handle, Class<? extends TFloating> type) {
    Operand<? extends TFloating> read = tf.withName(name).readVariableOp(handle, type);
    if (type == TFloat32.class) {
      @SuppressWarnings("unchecked")
      Operand<TFloat32> f32 = (Operand<TFloat32>) read;
      return f32;
    }
    return tf.withName(name + "_f32").dtypes.cast(read, TFloat32.class);
  }

  /** A read of {@code v} in {@code scope} as f32, whatever it stores (ops {@code <name>_read}, {@code _read_f32}). */
  public static Operand<TFloat32> readAsF32(Ops scope, Variable v) {
    return readF32(scope, v.spec().name() + "_read", v.handle(), v.type());
  }

  /** Assigns the f32 {@code value} to {@code v} in {@code scope}, cast to what it stores (op {@code <name>_assign}). */
  public static Op assignFromF32(Ops scope, Variable v, Operand<TFloat32> value) {
    String name = v.spec().name();
    return scope.withName(name + "_assign").assignVariableOp(v.handle(), stored(scope, name, value, v.type()));
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
   * Loads variables from a checkpoint, several variables per session run (up to {@link #LOAD_BATCH_BYTES}
   * of checkpoint bytes, or one larger tensor alone). Each tensor's bytes are copied unchanged from the
   * memory-mapped file into a TensorFlow tensor of the checkpoint's dtype (bulk copies, no per-element Java
   * code), and the graph casts them to f32 on the way into the variable ({@code <name>_load_<dtype>} ops,
   * created on first use): TensorFlow's vectorised, multi-threaded Cast does the BF16/F16/F64 conversion,
   * and the cast's output becomes the variable's buffer without another copy. While one batch runs, the next
   * is copied. No copy of the checkpoint is held on the Java heap, and at most two batches of input tensors
   * exist natively. Every name, shape and dtype is checked before the first assignment.
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
    return loader.load(variables.values(), session, reader, checkpointName, batchBudget);
  }

  /** Runs {@code use} on a variable's current value (the tensor is closed afterwards). */
  public <R> R withValue(Session session, String name, Function<TFloat32, R> use) {
    Variable v = get(name);
    Operand<TFloat32> read = hostReads.computeIfAbsent(name,
        n -> readF32(tf, n + "_host_read", v.handle(), v.type()));
    try (var result = session.runner().fetch(read).run()) {
      return use.apply((TFloat32) result.get(0));
    }
  }

  /** A variable's current value as a host array. */
  public float[] read(Session session, String name) {
    return withValue(session, name, Fetched::floats);
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
            ? scope.varHandleOp(v.type(), Shape.of(v.spec().shape()), VarHandleOp.sharedName(n))
            : v.handle();
        // A bf16 variable's read is cast to f32 here; Linear casts it back for a bf16 matmul, and takes the
        // bf16 read itself instead (Linear.castTo), so the weight is never held in f32.
        return readF32(scope, n.replace('/', '_') + "_read", handle, v.type());
      });
    }

    /** The reads created so far, by variable name (the operands gradients are taken against). */
    public Map<String, Operand<TFloat32>> reads() {
      return java.util.Collections.unmodifiableMap(reads);
    }
  }
}
