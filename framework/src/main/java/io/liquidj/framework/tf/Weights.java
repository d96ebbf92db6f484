package io.liquidj.framework.tf;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Where a graph (or a while-loop body) reads a backbone's parameters.
 *
 * <p>Implementations return one read per name per graph scope, so the training graph can take
 * gradients with respect to exactly the operands the model used. Wrappers add LoRA deltas or stop
 * gradients of frozen parameters without the backbone knowing.
 */
public interface Weights {
  /** The parameter {@code name} (a Hugging Face tensor name), f32, in the checkpoint's layout. */
  Operand<TFloat32> get(String name);
}
