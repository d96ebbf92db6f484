package io.liquidj.framework.tf;

import io.liquidj.framework.UserError;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.TensorInfo;
import io.liquidj.framework.safetensors.TensorReader;
import io.liquidj.framework.tf.VariableStore.Variable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TType;

/**
 * How a {@link VariableStore} loads its variables from a checkpoint ({@link VariableStore#load}): batches of
 * tensors copied byte for byte from the memory-mapped file, fed to assign ops (with a cast for BF16/F16/F64
 * checkpoints) that this class creates on first use, each batch run on a background thread while the next is
 * copied.
 */
final class CheckpointLoader {
  /** The bulk copy's chunk: large enough to run at memory speed, small enough to stay in the caches. */
  private static final int COPY_CHUNK_BYTES = 1 << 20;
  private static final Map<DType, Class<? extends TType>> TENSOR_TYPES = Map.of(
      DType.F32, TFloat32.class, DType.BF16, TBfloat16.class, DType.F16, TFloat16.class, DType.F64, TFloat64.class);

  static {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalStateException("liquidj loads little-endian safetensors bytes unchanged: a big-endian host is not supported");
    }
  }

  private final Ops tf;
  /** Load ops per variable and checkpoint dtype other than f32, created on first use. */
  private final Map<String, LoadOps> loadOps = new HashMap<>();

  CheckpointLoader(Ops tf) {
    this.tf = tf;
  }

  /** {@link VariableStore#load}: the variables of a store, {@code batchBudget} checkpoint bytes per session run. */
  List<String> load(Collection<Variable> variables, Session session, TensorReader reader,
      Function<String, String> checkpointName, long batchBudget) {
    List<Map.Entry<Variable, TensorInfo>> sources = new ArrayList<>();
    for (Variable v : variables) {
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
      tensorType(info);
      sources.add(Map.entry(v, info));
    }
    try (BackgroundRuns runs = new BackgroundRuns()) {
      List<Tensor> batch = new ArrayList<>();
      Session.Runner runner = session.runner();
      long batchBytes = 0;
      for (var e : sources) {
        TensorInfo info = e.getValue();
        if (!batch.isEmpty() && batchBytes + info.byteSize() > batchBudget) {
          runs.submit(runner, batch);
          batch = new ArrayList<>();
          runner = session.runner();
          batchBytes = 0;
        }
        Tensor t = Tensor.of(tensorType(info), Shape.of(info.shape()));
        batch.add(t);
        copyBytes(reader.bytes(info.name()), info, t.asRawTensor().data());
        LoadOps ops = loadOps(e.getKey(), info.dtype());
        runner.feed(ops.value(), t).addTarget(ops.assign());
        batchBytes += info.byteSize();
      }
      if (!batch.isEmpty()) {
        runs.submit(runner, batch);
      }
    }
    return sources.stream().map(e -> e.getKey().spec().name()).toList();
  }

  /** The feed and assignment that load one variable from a checkpoint tensor of one dtype. */
  private record LoadOps(Operand<?> value, Op assign) {}

  private LoadOps loadOps(Variable v, DType dtype) {
    if (dtype == DType.F32) {
      return new LoadOps(v.value(), v.assign());
    }
    return loadOps.computeIfAbsent(v.spec().name() + "/" + dtype, key -> {
      String base = v.spec().name() + "_load_" + dtype.name().toLowerCase(java.util.Locale.ROOT);
      Class<? extends TType> source = TENSOR_TYPES.get(dtype);
      Placeholder<?> value = placeholder(tf.withName(base), source, Shape.of(v.spec().shape()));
      // A bf16 checkpoint tensor goes into a bf16 variable unchanged; anything else is cast on the way in.
      Operand<?> stored = source == v.type() ? value : tf.withName(base + "_cast").dtypes.cast(value, v.type());
      return new LoadOps(value, tf.withName(base + "_assign").assignVariableOp(v.handle(), stored));
    });
  }

  private static <T extends TType> Placeholder<T> placeholder(Ops scope, Class<T> type, Shape shape) {
    return scope.placeholder(type, Placeholder.shape(shape));
  }

  /** The TensorFlow type that holds the checkpoint tensor's bytes unchanged, or a UserError. */
  private static Class<? extends TType> tensorType(TensorInfo info) {
    Class<? extends TType> type = TENSOR_TYPES.get(info.dtype());
    if (type == null) {
      throw new UserError("checkpoint tensor \"" + info.name() + "\" has dtype " + info.dtype()
          + ", expected a float type (F32, BF16, F16, F64)");
    }
    return type;
  }

  /**
   * Copies a checkpoint tensor's little-endian bytes into a tensor's memory, in bulk chunks. TensorFlow
   * tensors are in the host's byte order, which is little-endian on every platform TensorFlow Java ships
   * natives for (checked when this class loads).
   */
  static void copyBytes(ByteBuffer src, TensorInfo info, ByteDataBuffer dst) {
    if (src.remaining() != info.byteSize() || dst.size() != info.byteSize()) {
      throw new UserError("checkpoint tensor \"" + info.name() + "\" holds " + src.remaining() + " bytes, expected "
          + info.byteSize() + " for " + info.dtype() + " " + Arrays.toString(info.shape()));
    }
    ByteBuffer b = src.duplicate();
    byte[] chunk = new byte[(int) Math.min(COPY_CHUNK_BYTES, Math.max(1, b.remaining()))];
    for (long offset = 0; b.hasRemaining(); ) {
      int len = Math.min(chunk.length, b.remaining());
      b.get(chunk, 0, len);
      dst.offset(offset).write(chunk, 0, len);
      offset += len;
    }
  }

  /**
   * Session runs of loaded batches on one background thread, so that the next batch is copied while one
   * runs; each batch's tensors are closed after its run. {@link #close} waits for the last run and rethrows
   * its failure.
   */
  private static final class BackgroundRuns implements AutoCloseable {
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "liquidj-load");
      t.setDaemon(true);
      return t;
    });
    private Future<?> pending;

    /** Waits for the previous run, then starts this one (at most two batches exist at a time). */
    void submit(Session.Runner runner, List<Tensor> batch) {
      try {
        await();
      } catch (RuntimeException e) {
        batch.forEach(Tensor::close);
        throw e;
      }
      pending = executor.submit(() -> {
        try (var unused = runner.run()) {
          // targets only: the assignments
        } finally {
          batch.forEach(Tensor::close);
        }
      });
    }

    private void await() {
      if (pending == null) {
        return;
      }
      try {
        pending.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while loading a checkpoint", e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw new IllegalStateException(e.getCause());
      } finally {
        pending = null;
      }
    }

    @Override
    public void close() {
      try {
        await();
      } finally {
        executor.shutdown();
      }
    }
  }
}
