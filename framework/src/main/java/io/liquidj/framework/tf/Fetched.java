package io.liquidj.framework.tf;

import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Tensor;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * Reads a {@link Result} by the operand that was fetched, never by its position in the fetch list
 * ({@code Session.Runner.fetch(Operand)} keys each result by the output's name, {@code op:index}).
 */
public final class Fetched {
  private Fetched() {}

  /** The tensor {@code result} holds for {@code fetched}; it is closed with the result. */
  @SuppressWarnings("unchecked")
  public static <T extends TType> T tensor(Result result, Operand<T> fetched) {
    String name = fetched.asOutput().name();
    Tensor tensor = result.get(name)
        .orElseThrow(() -> new IllegalStateException(name + " was not fetched; the run fetched " + result.keySet()));
    return (T) tensor;
  }

  /** A fetched f32 scalar. */
  public static float scalar(Result result, Operand<TFloat32> fetched) {
    return tensor(result, fetched).getFloat();
  }

  /** A whole f32 tensor as a row-major host array. */
  public static float[] floats(TFloat32 tensor) {
    float[] out = new float[Math.toIntExact(tensor.shape().size())];
    tensor.asRawTensor().data().asFloats().read(out);
    return out;
  }

  /** A fetched boolean scalar. */
  public static boolean bool(Result result, Operand<TBool> fetched) {
    return tensor(result, fetched).getBoolean();
  }
}
