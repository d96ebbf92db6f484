package io.liquidj.framework.backbone;

import io.liquidj.framework.UserError;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TFloating;

/**
 * Numeric precision of a graph: parameters, optimizer state and activations between layers are
 * always f32; with {@code BF16} the matrix multiplications (projections, attention, LM head) run in
 * bf16 and their results are cast back to f32.
 */
public enum Precision {
  F32,
  BF16;

  /** The dtype matmuls run in. */
  public Class<? extends TFloating> matmulType() {
    return this == BF16 ? TBfloat16.class : TFloat32.class;
  }

  /**
   * The dtype of weights that are only read under this precision (generation, frozen parameters): bf16 under
   * {@code BF16}; trained parameters are always f32.
   */
  public Class<? extends TFloating> readOnlyWeightType() {
    return this == BF16 ? TBfloat16.class : TFloat32.class;
  }

  /** Parses {@code f32} or {@code bf16} (the value of {@code trainer.precision} and similar keys). */
  public static Precision parse(String key, String value) {
    return switch (value) {
      case "f32" -> F32;
      case "bf16" -> BF16;
      default -> throw new UserError(key + " must be f32 or bf16, got \"" + value + "\"");
    };
  }
}
