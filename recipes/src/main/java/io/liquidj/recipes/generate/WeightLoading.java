package io.liquidj.recipes.generate;

import io.liquidj.framework.UserError;
import io.liquidj.framework.safetensors.Conversions;
import io.liquidj.framework.safetensors.TensorInfo;
import io.liquidj.framework.safetensors.TensorReader;
import io.liquidj.framework.tf.VariableStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;

/**
 * Loads checkpoint tensors into a generation graph's variables, many assignments per session run.
 * Every distinct run of a session builds an executor over the pruned graph, and the generation graph
 * is large (four decoding loops): one run per variable took ~20 s for the tiny test model with the
 * VQGAN's ~100 variables; batched, well under a second.
 */
final class WeightLoading {
  /** Floats held in native tensors before a run flushes them (256 MiB). */
  private static final long BATCH_FLOATS = 64L << 20;
  private static final int CHUNK = 1 << 16;

  private WeightLoading() {}

  /**
   * Assigns every variable whose {@code checkpointName} is not null from {@code reader} (F32, BF16
   * or F16 tensors, converted in chunks straight into native memory).
   *
   * @param source the checkpoint, named in errors
   */
  static void load(Session session, VariableStore store, TensorReader reader, Function<String, String> checkpointName,
      String source) {
    List<TFloat32> pending = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      long floats = 0;
      for (VariableStore.Variable v : store.all()) {
        String name = checkpointName.apply(v.spec().name());
        if (name == null) {
          continue;
        }
        if (!reader.contains(name)) {
          throw new UserError(source + " has no tensor \"" + name + "\" (needed for variable " + v.spec().name() + ")");
        }
        TensorInfo info = reader.info(name);
        if (!Arrays.equals(info.shape(), v.spec().shape())) {
          throw new UserError(source + ": tensor \"" + name + "\" has shape " + Arrays.toString(info.shape())
              + ", expected " + Arrays.toString(v.spec().shape()) + " (does config.json match the weights?)");
        }
        TFloat32 value = TFloat32.tensorOf(Shape.of(v.spec().shape()));
        pending.add(value);
        copy(reader.bytes(name), info, value.asRawTensor().data().asFloats());
        runner.feed(v.value(), value).addTarget(v.assign());
        floats += v.spec().size();
        if (floats >= BATCH_FLOATS) {
          runner.run();
          pending.forEach(TFloat32::close);
          pending.clear();
          runner = session.runner();
          floats = 0;
        }
      }
      if (!pending.isEmpty()) {
        runner.run();
      }
    } finally {
      pending.forEach(TFloat32::close);
    }
  }

  /** A tensor's little-endian bytes → f32 in {@code dst}, 64K elements at a time. */
  private static void copy(ByteBuffer src, TensorInfo info, FloatDataBuffer dst) {
    long n = info.numElements();
    int size = info.dtype().bytes();
    float[] tmp = new float[CHUNK];
    ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    for (long start = 0; start < n; start += CHUNK) {
      int len = (int) Math.min(CHUNK, n - start);
      ByteBuffer part = b.duplicate();
      part.position(Math.toIntExact(start * size)).limit(Math.toIntExact((start + len) * size));
      TensorInfo slice = new TensorInfo(info.name(), info.dtype(), new long[] {len}, 0, (long) len * size);
      Conversions.toFloats(part.slice().order(ByteOrder.LITTLE_ENDIAN), slice, tmp, 0);
      dst.offset(start).write(tmp, 0, len);
    }
  }
}
